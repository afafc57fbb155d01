"""Every Hypothesis strategy of the course, in one place (shared by the hidden and public suites
and by the project's own tests).

Strategies BUILD valid configurations instead of filtering random ones (no ``assume``): each
draws the arguments first and then only the input sizes those arguments accept. Tensors are
made on the CPU from a Hypothesis-drawn seed, so a failing example shrinks to small shapes and
seed 0 and replays identically. As torch users pass them, they come in float64 or float32 (one
dtype per case: the output must keep it) and in any layout (contiguous, transposed, sliced with
a step, channels-last: :func:`with_layout`), and the sizes reach the boundaries (a batch of one,
one channel, the smallest input an operation accepts). Shrinking goes to float64, contiguous.

Each strategy yields a small frozen "case" with the tensors and arguments, ``args()`` /
``kwargs()`` accessors and ``describe()`` (a short text of shapes and arguments for feedback)::

    @given(case=conv2d_cases())
    def test_conv2d(case):
        torch.testing.assert_close(conv2d(*case.args(), **case.kwargs()),
                                   F.conv2d(*case.args(), **case.kwargs()))
    # case.describe() -> "x: (2, 3, 7, 5), weight: (4, 3, 3, 2), bias=None, stride=(2, 1), padding=(0, 1), dilation=1"

For module parts, ``args()`` / ``kwargs()`` are the constructor's arguments and ``case.x`` is the
input: ``ref.ResidualBlock(*case.args(), **case.kwargs())(case.x)``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import torch
from hypothesis import strategies as st
from autograder.i18n import N_, _

# Small sizes keep hundreds of examples within seconds, yet cover every corner of the formulas.
MAX_SIZE = 12
MAX_CHANNELS = 4
MAX_BATCH = 3
MAX_KERNEL = 4
MAX_STRIDE = 3

IntOrPair = Union[int, tuple[int, int]]


# --- tensors ---------------------------------------------------------------------------------------

def random_tensor(shape, seed: int, *, negative: bool = False, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A CPU tensor of standard-normal values from ``seed`` (all < 0 when ``negative``).

    Example: ``random_tensor((2, 3, 5, 4), seed=7)``; the same seed always gives the same values
    (in float32, the float64 values rounded).
    """
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(tuple(shape), generator=generator, dtype=torch.float64)
    # Strictly negative values: a max-pool that pads with 0 instead of -inf gets caught.
    values = -values.abs() - 0.5 if negative else values
    return values.to(dtype)


seeds = st.integers(min_value=0, max_value=2**31 - 1)

#: The dtypes inputs come in (float64 first: Hypothesis shrinks towards it).
DTYPES = (torch.float64, torch.float32)
#: The layouts a torch user hands a function (contiguous first: Hypothesis shrinks towards it).
LAYOUTS = ("contiguous", "transposed", "sliced", "channels_last")
dtypes = st.sampled_from(DTYPES)


def with_layout(tensor: torch.Tensor, layout: str) -> torch.Tensor:
    """The same values as ``tensor`` stored in ``layout``; every layout but "contiguous" gives a
    non-contiguous tensor (as long as it has more than one element per axis involved).

    "transposed": the last two axes are stored transposed (``y.transpose(-1, -2)`` of a
    contiguous ``y``); "sliced": every other element of a row twice as long, whose gaps hold NaN
    (code that reads the storage as if contiguous gets NaN); "channels_last": a 4-D tensor in
    ``torch.channels_last`` memory format (a 1-D or 2-D one is "sliced" instead).
    Example: ``with_layout(x, "transposed").is_contiguous()`` is False for x of shape (1, 1, 2, 3).
    """
    if layout == "contiguous":
        return tensor.contiguous()
    if layout == "channels_last" and tensor.dim() == 4:
        return tensor.contiguous(memory_format=torch.channels_last)
    if layout == "transposed" and tensor.dim() >= 2:
        return tensor.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout in ("sliced", "channels_last", "transposed"):
        wide = torch.full((*tensor.shape[:-1], 2 * tensor.shape[-1]), float("nan"), dtype=tensor.dtype)
        wide[..., ::2] = tensor
        return wide[..., ::2]
    raise ValueError(f"unknown layout {layout!r} (one of {LAYOUTS})")


def layout_of(tensor: torch.Tensor) -> str:
    """The name of ``tensor``'s layout, for messages: "" when contiguous."""
    if tensor.is_contiguous():
        return ""
    if tensor.dim() == 4 and tensor.is_contiguous(memory_format=torch.channels_last):
        return "channels_last"
    if tensor.dim() >= 2 and tensor.transpose(-1, -2).is_contiguous():
        return "transpuesta"
    return "no contigua"


# The cases below draw their pieces through plain functions (``draw_tensor``, ``draw_per_axis``)
# and module-level strategies rather than a composite strategy per piece: Hypothesis builds,
# validates and unwraps a new strategy object for every such call, which doubled the CPU of
# drawing a case (pool2d_cases: 2.3 ms, now 1.1). The same choices are drawn in the same order.
_booleans = st.booleans()
_layouts = st.sampled_from(LAYOUTS)
#: Whether an optional argument is given: the same draw ``st.one_of(st.none(), ...)`` makes (an
#: index into two branches), shrinking the same way (towards "not given").
_given = st.sampled_from((False, True))


def draw_tensor(draw, shape, negative: Optional[bool] = False, dtype: torch.dtype = torch.float64,
                layout: Optional[str] = "contiguous") -> torch.Tensor:
    """``draw(tensors(shape, ...))`` inside a composite, without a strategy object per call."""
    if negative is None:
        negative = draw(_booleans)
    if layout is None:
        layout = draw(_layouts)
    return with_layout(random_tensor(shape, draw(seeds), negative=negative, dtype=dtype), layout)


def draw_optional_tensor(draw, shape, dtype: torch.dtype = torch.float64,
                         layout: Optional[str] = "contiguous") -> Optional[torch.Tensor]:
    """None or a tensor (a bias), as ``draw(st.one_of(st.none(), tensors(shape, ...)))``."""
    return draw_tensor(draw, shape, dtype=dtype, layout=layout) if draw(_given) else None


@st.composite
def tensors(draw, shape, negative: Optional[bool] = False, dtype: torch.dtype = torch.float64,
            layout: Optional[str] = "contiguous") -> torch.Tensor:
    """A tensor of ``shape`` from a drawn seed; ``negative=None`` lets Hypothesis choose, and so
    does ``layout=None`` (one of :data:`LAYOUTS`)."""
    return draw_tensor(draw, shape, negative, dtype, layout)


def int_or_pair(values: tuple[int, int], as_pair: bool) -> IntOrPair:
    """``values`` as torch accepts them: one int when both axes agree and ``as_pair`` is False."""
    return values if as_pair or values[0] != values[1] else values[0]


def draw_per_axis(draw, low: int, high: int) -> tuple[tuple[int, int], IntOrPair]:
    """``draw(per_axis(low, high))`` inside a composite, without a strategy object per call."""
    side = st.integers(low, high)
    if draw(_booleans):
        value = draw(side)
        return (value, value), value
    values = (draw(side), draw(side))
    return values, values


@st.composite
def per_axis(draw, low: int, high: int) -> tuple[tuple[int, int], IntOrPair]:
    """Two per-axis values in [low, high] and how the argument is written (an int or a pair).

    Example: ``(sh, sw), stride = draw(per_axis(1, 3))`` gives e.g. ``(2, 1), (2, 1)`` or ``(2, 2), 2``.
    """
    return draw_per_axis(draw, low, high)


def _shape(tensor) -> str:
    """``(2, 3, 5, 4)``, plus the dtype when it is not float64 and the layout when not contiguous."""
    notes = [str(tensor.dtype).removeprefix("torch.")] if tensor.dtype != torch.float64 else []
    notes += [layout_of(tensor)] if layout_of(tensor) else []
    return str(tuple(tensor.shape)) + (f" {', '.join(notes)}" if notes else "")


# --- cases -----------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Conv2dCase:
    """Arguments of ``conv2d(x, weight, bias, stride, padding, dilation)``."""

    x: torch.Tensor
    weight: torch.Tensor
    bias: Optional[torch.Tensor] = None
    stride: IntOrPair = 1
    padding: Union[IntOrPair, str] = 0
    dilation: IntOrPair = 1

    def args(self) -> tuple:
        return (self.x, self.weight)

    def kwargs(self) -> dict:
        return {"bias": self.bias, "stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def with_flipped_kernel(self) -> "Conv2dCase":
        """The same case with the kernel rotated 180° (what a true convolution would use)."""
        return dataclasses.replace(self, weight=self.weight.flip(-2, -1))

    def describe(self) -> str:
        bias = f"bias: {_shape(self.bias)}" if self.bias is not None else "bias=None"
        return (f"x: {_shape(self.x)}, weight: {_shape(self.weight)}, {bias}, stride={self.stride}, "
                f"padding={self.padding!r}, dilation={self.dilation}")


@dataclass(frozen=True, eq=False)
class Pool2dCase:
    """Arguments of ``max_pool2d`` / ``avg_pool2d(x, kernel_size, stride, padding)``."""

    x: torch.Tensor
    kernel_size: IntOrPair
    stride: Optional[IntOrPair] = None
    padding: IntOrPair = 0

    def args(self) -> tuple:
        return (self.x, self.kernel_size)

    def kwargs(self) -> dict:
        return {"stride": self.stride, "padding": self.padding}

    def describe(self) -> str:
        return (f"x: {_shape(self.x)}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")


@dataclass(frozen=True, eq=False)
class ConvTranspose2dCase:
    """Arguments of ``conv_transpose2d(x, weight, bias, stride, padding, output_padding)``."""

    x: torch.Tensor
    weight: torch.Tensor
    bias: Optional[torch.Tensor] = None
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    output_padding: IntOrPair = 0

    def args(self) -> tuple:
        return (self.x, self.weight)

    def kwargs(self) -> dict:
        return {"bias": self.bias, "stride": self.stride, "padding": self.padding,
                "output_padding": self.output_padding}

    def with_flipped_kernel(self) -> "ConvTranspose2dCase":
        """The same case with the kernel rotated 180° (a common mistake's result)."""
        return dataclasses.replace(self, weight=self.weight.flip(-2, -1))

    def describe(self) -> str:
        bias = f"bias: {_shape(self.bias)}" if self.bias is not None else "bias=None"
        return (f"x: {_shape(self.x)}, weight: {_shape(self.weight)}, {bias}, stride={self.stride}, "
                f"padding={self.padding}, output_padding={self.output_padding}")


#: The exception torch.nn.functional raises for every invalid call of invalid_cases() (torch 2.13).
TORCH_RAISES = "RuntimeError"


@dataclass(frozen=True, eq=False)
class InvalidCase:
    """A call that must fail: ``function(*args, **kwargs)`` raises ``raises`` (an exception's
    name, or harness.ANY_EXCEPTION); ``why`` says why (Spanish, as the docstring lists it).

    Example: ``InvalidCase("max_pool2d", (x, 3), {"padding": 2}, "padding mayor que kernel_size // 2")``.
    """

    function: str
    arguments: tuple
    keyword_arguments: dict
    why: str
    raises: str = TORCH_RAISES

    def args(self) -> tuple:
        return self.arguments

    def kwargs(self) -> dict:
        return dict(self.keyword_arguments)

    def describe(self) -> str:
        shown = [_shape(a) if isinstance(a, torch.Tensor) else repr(a) for a in self.arguments]
        shown += [f"{k}={_shape(v) if isinstance(v, torch.Tensor) else repr(v)}"
                  for k, v in self.keyword_arguments.items()]
        return f"{self.function}({', '.join(shown)}) [{_(self.why)}: {self.raises}]"


@dataclass(frozen=True, eq=False)
class ModuleCase:
    """A module's constructor arguments and one input: ``Module(*case.args(), **case.kwargs())(case.x)``.
    The module is checked in ``case.x``'s dtype."""

    module: str
    init: dict
    x: torch.Tensor

    def args(self) -> tuple:
        return ()

    def kwargs(self) -> dict:
        return dict(self.init)

    def describe(self) -> str:
        init = ", ".join(f"{k}={v!r}" for k, v in self.init.items())
        return f"{self.module}({init}), x: {_shape(self.x)}"


@dataclass(frozen=True, eq=False)
class CenterCropCase:
    """Arguments of ``center_crop(x, size)``."""

    x: torch.Tensor
    size: IntOrPair

    def args(self) -> tuple:
        return (self.x, self.size)

    def kwargs(self) -> dict:
        return {}

    def describe(self) -> str:
        return f"x: {_shape(self.x)}, size={self.size}"


@dataclass(frozen=True, eq=False)
class OutputSizeCase:
    """Arguments of ``conv_output_size(size, kernel_size, stride, padding, dilation)``; each an int
    or an ``(alto, ancho)`` pair."""

    size: IntOrPair
    kernel_size: IntOrPair
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    dilation: IntOrPair = 1

    def args(self) -> tuple:
        return (self.size, self.kernel_size)

    def kwargs(self) -> dict:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def describe(self) -> str:
        return (f"conv_output_size({self.size!r}, {self.kernel_size!r}, stride={self.stride!r}, "
                f"padding={self.padding!r}, dilation={self.dilation!r})")


@dataclass(frozen=True, eq=False)
class KnownAnswer:
    """A case whose correct output is known by hand (e.g. the lecture's worked example)."""

    case: Any
    expected: torch.Tensor


# --- function cases --------------------------------------------------------------------------------

def _input_side(draw, low: int) -> int:
    """An input side >= max(low, 1) and <= max(MAX_SIZE, low + 4): valid for the kernel, still small."""
    low = max(low, 1)
    return draw(st.integers(low, max(MAX_SIZE, low + 4)))


@st.composite
def conv2d_cases(draw) -> Conv2dCase:
    """Valid ``conv2d`` arguments: non-square inputs and kernels (even ones too), per-axis
    stride / padding / dilation as an int or a pair, 'same' / 'valid', bias or None, N >= 1, the
    smallest input the padded kernel fits; float64 or float32, each tensor in any layout."""
    n = draw(st.integers(1, MAX_BATCH))
    c_in = draw(st.integers(1, MAX_CHANNELS))
    c_out = draw(st.integers(1, MAX_CHANNELS))
    kh, kw = draw(st.integers(1, MAX_KERNEL)), draw(st.integers(1, MAX_KERNEL))
    (dh, dw), dilation = draw_per_axis(draw, 1, 2)
    mode = draw(st.sampled_from(["numbers", "numbers", "same", "valid"]))
    if mode == "same":  # torch allows 'same' only with stride 1
        (sh, sw), stride = (1, 1), draw(st.sampled_from([1, (1, 1)]))
        (ph, pw), padding = (0, 0), "same"  # the 'same' padding is (d(k - 1)) in total, any size fits
        span_h = span_w = 1
    else:
        (sh, sw), stride = draw_per_axis(draw, 1, MAX_STRIDE)
        if mode == "valid":
            (ph, pw), padding = (0, 0), "valid"
        else:
            (ph, pw), padding = draw_per_axis(draw, 0, 2)
        span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    # The padded input must hold one dilated kernel.
    h = _input_side(draw, span_h - 2 * ph)
    w = _input_side(draw, span_w - 2 * pw)
    dtype = draw(dtypes)
    x = draw_tensor(draw, (n, c_in, h, w), dtype=dtype, layout=None)
    weight = draw_tensor(draw, (c_out, c_in, kh, kw), dtype=dtype, layout=None)
    bias = draw_optional_tensor(draw, (c_out,), dtype=dtype, layout=None)
    return Conv2dCase(x, weight, bias, stride=stride, padding=padding, dilation=dilation)


@st.composite
def pool2d_cases(draw, negative: Optional[bool] = None) -> Pool2dCase:
    """Valid pooling arguments: non-square windows, stride None (= kernel_size) or per-axis,
    padding up to kernel_size // 2 per axis; ``negative=None`` sometimes makes every input value
    negative (padding must never win a max); float64 or float32, any layout."""
    n = draw(st.integers(1, MAX_BATCH))
    c = draw(st.integers(1, MAX_CHANNELS))
    (kh, kw), kernel_size = draw_per_axis(draw, 1, MAX_KERNEL)
    stride = draw_per_axis(draw, 1, MAX_STRIDE)[1] if draw(_given) else None
    ph = draw(st.integers(0, kh // 2))
    pw = draw(st.integers(0, kw // 2))
    padding = int_or_pair((ph, pw), as_pair=draw(st.booleans()))
    h = _input_side(draw, kh - 2 * ph)
    w = _input_side(draw, kw - 2 * pw)
    x = draw_tensor(draw, (n, c, h, w), negative=negative, dtype=draw(dtypes), layout=None)
    return Pool2dCase(x, kernel_size, stride=stride, padding=padding)


def max_pool2d_cases() -> st.SearchStrategy[Pool2dCase]:
    """``max_pool2d`` cases; about half have only negative inputs (padding must not win)."""
    return pool2d_cases(negative=None)


def avg_pool2d_cases() -> st.SearchStrategy[Pool2dCase]:
    """``avg_pool2d`` cases (compared with ``F.avg_pool2d(..., count_include_pad=True)``)."""
    return pool2d_cases(negative=False)


@st.composite
def conv_transpose2d_cases(draw) -> ConvTranspose2dCase:
    """Valid ``conv_transpose2d`` arguments: weight (C_in, C_out, kH, kW) with non-square and even
    kernels, per-axis stride, output_padding < stride per axis, padding (even beyond k - 1)
    as long as the output keeps at least one pixel; float64 or float32, any layout."""
    n = draw(st.integers(1, MAX_BATCH))
    c_in = draw(st.integers(1, MAX_CHANNELS))
    c_out = draw(st.integers(1, MAX_CHANNELS))
    kh, kw = draw(st.integers(1, MAX_KERNEL)), draw(st.integers(1, MAX_KERNEL))
    (sh, sw), stride = draw_per_axis(draw, 1, MAX_STRIDE)
    oph, opw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    output_padding = int_or_pair((oph, opw), as_pair=draw(st.booleans()))
    h = draw(st.integers(1, 8))
    w = draw(st.integers(1, 8))

    def largest_padding(side, s, k, op):  # output side (side - 1)s - 2p + k + op must stay >= 1
        return min(3, ((side - 1) * s + k + op - 1) // 2)

    ph = draw(st.integers(0, largest_padding(h, sh, kh, oph)))
    pw = draw(st.integers(0, largest_padding(w, sw, kw, opw)))
    padding = int_or_pair((ph, pw), as_pair=draw(st.booleans()))
    dtype = draw(dtypes)
    x = draw_tensor(draw, (n, c_in, h, w), dtype=dtype, layout=None)
    weight = draw_tensor(draw, (c_in, c_out, kh, kw), dtype=dtype, layout=None)
    bias = draw_optional_tensor(draw, (c_out,), dtype=dtype, layout=None)
    return ConvTranspose2dCase(x, weight, bias, stride=stride, padding=padding, output_padding=output_padding)


@st.composite
def conv_output_size_cases(draw) -> OutputSizeCase:
    """Valid ``conv_output_size`` arguments: each one an int or a pair, chosen independently (so
    ints and pairs mix), per-axis kernels, strides, paddings and dilations, and input sides from
    1 to 300 that hold the dilated kernel once padded (the output has at least one pixel)."""
    axes = []
    for _attempt in range(2):
        k, s, d = draw(st.integers(1, 11)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
        p = draw(st.integers(0, 4))
        low = max(1, d * (k - 1) + 1 - 2 * p)
        axes.append((draw(st.integers(low, max(low, 300))), k, s, p, d))
    values = list(zip(*axes))  # (sizes, kernels, strides, paddings, dilations), each a pair
    written = [int_or_pair(tuple(v), as_pair=draw(st.booleans())) for v in values]
    return OutputSizeCase(*written)


def conv_output_size_regressions() -> list[OutputSizeCase]:
    """The lecture's layers (LeNet's "same" 5x5, AlexNet's first convolution, VGG's 3x3 and 2x2
    pooling) and the corners: a stride that does not divide, dilation, mixed ints and pairs."""
    return [
        OutputSizeCase(28, 5, stride=1, padding=2),
        OutputSizeCase((224, 224), 11, stride=4, padding=2),
        OutputSizeCase(224, 3, stride=1, padding=1),
        OutputSizeCase(224, 2, stride=2),
        OutputSizeCase(7, (3, 2), stride=(2, 1)),
        OutputSizeCase((13, 9), 3, stride=2, padding=(1, 0), dilation=(2, 1)),
    ]


def invalid_output_size_cases() -> list[InvalidCase]:
    """``conv_output_size`` calls that must raise ValueError, one per rule."""
    return [
        InvalidCase("conv_output_size", (4, 7), {}, N_("the kernel does not fit in the input")),
        InvalidCase("conv_output_size", ((9, 4), 3), {"dilation": (1, 2)},
                    N_("the dilated kernel does not fit in the width")),
        InvalidCase("conv_output_size", (8, 3), {"stride": 0}, N_("non-positive step")),
        InvalidCase("conv_output_size", (8, 3), {"padding": -1}, N_("negative fill")),
        InvalidCase("conv_output_size", (0, 1), {}, N_("input size not positive")),
    ]


def lecture_transposed_example() -> KnownAnswer:
    """The lecture's worked transposed convolution (stride 1, no padding):
    input [[0, 1], [2, 3]] with kernel [[1, 2], [3, 4]] gives [[0, 1, 2], [2, 10, 10], [6, 17, 12]]."""
    x = torch.tensor([[0.0, 1.0], [2.0, 3.0]], dtype=torch.float64).reshape(1, 1, 2, 2)
    weight = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64).reshape(1, 1, 2, 2)
    expected = torch.tensor([[0.0, 1.0, 2.0], [2.0, 10.0, 10.0], [6.0, 17.0, 12.0]],
                            dtype=torch.float64).reshape(1, 1, 3, 3)
    return KnownAnswer(ConvTranspose2dCase(x, weight), expected)


# --- regression examples (for @example) -----------------------------------------------------------

def conv2d_regressions() -> list[Conv2dCase]:
    """Hand-picked conv2d corners, e.g. for ``@example(case=...)``: the stride not dividing
    (H + 2p - k), 'same' with an even kernel (odd total padding), dilation with padding per axis."""
    return [
        Conv2dCase(random_tensor((2, 3, 7, 5), 1), random_tensor((4, 3, 3, 2), 2), None,
                   stride=(2, 1), padding=(0, 1), dilation=1),
        Conv2dCase(random_tensor((1, 2, 6, 5), 3), random_tensor((3, 2, 2, 4), 4), random_tensor((3,), 5),
                   stride=1, padding="same", dilation=1),
        Conv2dCase(random_tensor((3, 1, 9, 8), 6), random_tensor((2, 1, 3, 3), 7), random_tensor((2,), 8),
                   stride=3, padding=(2, 1), dilation=(2, 1)),
        # As torch users pass them: a float32 transposed input, a channels-last one with a sliced
        # weight (a .view() on either raises; a float64 result is the wrong dtype).
        Conv2dCase(with_layout(random_tensor((2, 3, 6, 5), 9, dtype=torch.float32), "transposed"),
                   random_tensor((2, 3, 3, 2), 10, dtype=torch.float32), random_tensor((2,), 11, dtype=torch.float32),
                   stride=1, padding=1, dilation=1),
        Conv2dCase(with_layout(random_tensor((1, 2, 5, 7), 12), "channels_last"),
                   with_layout(random_tensor((3, 2, 2, 3), 13), "sliced"), None, stride=(1, 2), padding=0, dilation=1),
    ]


def pool2d_regressions() -> list[Pool2dCase]:
    """Pooling corners: negative inputs with padding, non-square windows, a stride that does not
    divide (H + 2p - k)."""
    return [
        Pool2dCase(random_tensor((2, 3, 5, 7), 1, negative=True), 3, stride=2, padding=1),
        Pool2dCase(random_tensor((1, 2, 6, 5), 2), (2, 3), stride=None, padding=(1, 1)),
        Pool2dCase(random_tensor((3, 1, 8, 7), 3), (3, 2), stride=(3, 2), padding=(0, 1)),
        Pool2dCase(with_layout(random_tensor((2, 3, 6, 5), 4, dtype=torch.float32), "transposed"), 2, stride=1,
                   padding=1),
        Pool2dCase(with_layout(random_tensor((1, 2, 5, 4), 5, negative=True), "channels_last"), (3, 2), stride=None,
                   padding=(1, 0)),
    ]


def conv_transpose2d_regressions() -> list[ConvTranspose2dCase]:
    """Transposed-convolution corners: the lecture's example, output_padding per axis, padding
    beyond k - 1 (the output is cropped)."""
    return [
        lecture_transposed_example().case,
        ConvTranspose2dCase(random_tensor((2, 3, 3, 4), 1), random_tensor((3, 2, 3, 2), 2), random_tensor((2,), 3),
                            stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
        ConvTranspose2dCase(random_tensor((1, 2, 4, 3), 4), random_tensor((2, 1, 2, 2), 5), None,
                            stride=2, padding=2, output_padding=0),
        ConvTranspose2dCase(with_layout(random_tensor((2, 2, 3, 4), 6, dtype=torch.float32), "transposed"),
                            with_layout(random_tensor((2, 3, 2, 3), 7, dtype=torch.float32), "sliced"),
                            random_tensor((3,), 8, dtype=torch.float32), stride=(2, 1), padding=0, output_padding=(1, 0)),
    ]


# --- invalid arguments ---------------------------------------------------------------------------

def invalid_cases(function: str) -> list[InvalidCase]:
    """The ONE table of invalid calls: what the hidden and the public suites try and what each
    part's docstring lists ("Argumentos inválidos", one line per ``why`` with the exception
    ``raises``; tests/test_invalid_arguments.py checks that they agree). For the functions of
    torch.nn.functional, the exception torch raises (RuntimeError); center_crop's, the statement's.
    Example: ``for case in invalid_cases("conv2d"): check_raises(student, ..., raises=case.raises)``.
    """
    x = random_tensor((1, 2, 5, 6), 0)
    if function == "conv2d":
        w = random_tensor((3, 2, 3, 3), 1)
        no_fit = N_("the (dilated) kernel does not fit in the padded input")
        return [
            InvalidCase("conv2d", (x, random_tensor((3, 4, 3, 3), 1)), {}, N_("the channels of x and weight do not match")),
            InvalidCase("conv2d", (x, random_tensor((3, 2, 7, 3), 1)), {}, no_fit),
            InvalidCase("conv2d", (x, w), {"padding": 1, "dilation": 4}, no_fit),
            InvalidCase("conv2d", (x, w), {"padding": "same", "stride": 2}, N_("padding='same' with stride > 1")),
            InvalidCase("conv2d", (x, w), {"padding": "full"}, N_("padding is a string other than 'same' and 'valid'")),
            InvalidCase("conv2d", (x, w), {"stride": 0}, N_("stride not positive")),
            InvalidCase("conv2d", (x, w), {"stride": (1, -1)}, N_("stride not positive")),
            InvalidCase("conv2d", (x, w), {"dilation": 0}, N_("dilation not positive")),
            InvalidCase("conv2d", (x, w), {"padding": -1}, N_("negative padding")),
        ]
    if function in ("max_pool2d", "avg_pool2d"):
        return [
            InvalidCase(function, (x, 3), {"padding": 2}, N_("padding greater than kernel_size // 2")),
            InvalidCase(function, (x, (2, 4)), {"padding": (1, 3)}, N_("padding greater than kernel_size // 2")),
            InvalidCase(function, (x, 3), {"stride": 0}, N_("stride not positive")),
            InvalidCase(function, (x, 7), {}, N_("the window does not fit in the padded input")),
        ]
    if function == "conv_transpose2d":
        w = random_tensor((2, 3, 3, 3), 1)
        return [
            InvalidCase(function, (x, random_tensor((3, 3, 3, 3), 1)), {}, N_("the channels of x and weight do not match")),
            InvalidCase(function, (x, w), {"stride": 2, "output_padding": 2}, N_("output_padding not smaller than the stride")),
            InvalidCase(function, (x, w), {"stride": (2, 1), "output_padding": (1, 1)},
                        N_("output_padding not smaller than the stride")),
            InvalidCase(function, (x, w), {"stride": 0}, N_("stride not positive")),
            InvalidCase(function, (x, w), {"padding": 5}, N_("the padding leaves the output empty")),
        ]
    if function == "center_crop":
        x = random_tensor((1, 1, 4, 5), 9)
        return [
            InvalidCase(function, (x, (6, 3)), {}, N_("a size larger than the input"), raises="ValueError"),
            InvalidCase(function, (x, (2, 7)), {}, N_("a size larger than the input"), raises="ValueError"),
        ]
    raise ValueError(f"no invalid cases for {function!r}")


#: The parts with an invalid-arguments table (and a docstring that lists it).
INVALID_ARGUMENT_PARTS = ("conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d", "center_crop")


def invalid_argument_cases(function: str) -> st.SearchStrategy[InvalidCase]:
    """``invalid_cases(function)`` as a strategy (one rule per example)."""
    return st.sampled_from(invalid_cases(function))


# --- module cases ----------------------------------------------------------------------------------

channels = st.integers(1, MAX_CHANNELS)


def draw_module_input(draw, shape) -> torch.Tensor:
    """``draw(module_inputs(shape))`` inside a composite, without a strategy object per call."""
    return draw_tensor(draw, shape, dtype=draw(dtypes), layout=None)


@st.composite
def module_inputs(draw, shape) -> torch.Tensor:
    """A module's input: float64 or float32 (the module is converted to that dtype, as
    ``model.float()`` users do), in any layout (a channels-last batch is common)."""
    return draw_module_input(draw, shape)


@st.composite
def inception_block_cases(draw) -> ModuleCase:
    """InceptionBlock(in_channels, c1, (c2a, c2b), (c3a, c3b), c4) on any (N, C, H, W): every
    branch keeps the spatial size."""
    init = {"in_channels": draw(channels), "c1": draw(channels), "c2": (draw(channels), draw(channels)),
            "c3": (draw(channels), draw(channels)), "c4": draw(channels)}
    shape = (draw(st.integers(1, MAX_BATCH)), init["in_channels"], draw(st.integers(1, 10)), draw(st.integers(1, 10)))
    return ModuleCase("InceptionBlock", init, draw_module_input(draw, shape))


@st.composite
def residual_block_cases(draw) -> ModuleCase:
    """ResidualBlock(in_channels, out_channels, stride) with stride 1 or 2 and a channel change
    or not (both downsample rules). BatchNorm in train mode needs more than one value per
    channel, so a batch of 1 gets an output of at least 2 rows."""
    in_channels, out_channels = draw(channels), draw(channels)
    stride = draw(st.sampled_from([1, 2]))
    n = draw(st.integers(1, MAX_BATCH))
    h = draw(st.integers(stride + 1 if n == 1 else 1, 10))
    w = draw(st.integers(1, 10))
    x = draw_module_input(draw, (n, in_channels, h, w))
    init = {"in_channels": in_channels, "out_channels": out_channels, "stride": stride}
    return ModuleCase("ResidualBlock", init, x)


@st.composite
def lenet_cases(draw) -> ModuleCase:
    """LeNet(num_classes) on (N, 1, 28, 28), the only size its fc1 (784 inputs) accepts."""
    init = {"num_classes": draw(st.sampled_from([10, 1, 2, 5, 7]))}
    x = draw_module_input(draw, (draw(st.integers(1, MAX_BATCH)), 1, 28, 28))
    return ModuleCase("LeNet", init, x)


@st.composite
def resnet18_cases(draw) -> ModuleCase:
    """ResNet18(num_classes, in_channels) on small non-square inputs. It divides H and W by 32
    (rounding up) before the global average, so any size survives; N >= 2 keeps BatchNorm in
    train mode defined at the 1x1 end."""
    init = {"num_classes": draw(st.integers(1, 10)), "in_channels": draw(st.integers(1, 3))}
    shape = (draw(st.integers(2, MAX_BATCH)), init["in_channels"],
             draw(st.integers(8, 40)), draw(st.integers(8, 40)))
    return ModuleCase("ResNet18", init, draw_module_input(draw, shape))


@st.composite
def googlenet_cases(draw) -> ModuleCase:
    """GoogLeNet(num_classes) on small non-square inputs: its five halvings round up (every
    pooling has padding 1), so any side >= 1 survives; small sides keep float64 passes fast."""
    init = {"num_classes": draw(st.integers(1, 10))}
    shape = (draw(st.integers(1, 2)), 3, draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    return ModuleCase("GoogLeNet", init, draw_tensor(draw, shape))


@st.composite
def center_crop_cases(draw) -> CenterCropCase:
    """center_crop(x, size) with (h, w) <= (H, W), odd and even margins, as a pair or an int;
    float64 or float32, any layout."""
    n, c = draw(st.integers(1, MAX_BATCH)), draw(channels)
    height, width = draw(st.integers(1, MAX_SIZE)), draw(st.integers(1, MAX_SIZE))
    h, w = draw(st.integers(1, height)), draw(st.integers(1, width))
    size = int_or_pair((h, w), as_pair=draw(st.booleans()))
    return CenterCropCase(draw_tensor(draw, (n, c, height, width), dtype=draw(dtypes), layout=None), size)


@st.composite
def double_conv_cases(draw) -> ModuleCase:
    """DoubleConv(in_channels, out_channels, padding) with padding 1 (any size) or 0 (H, W >= 5,
    since each 3x3 convolution removes 2 pixels per axis)."""
    padding = draw(st.sampled_from([1, 0]))
    low = 1 if padding == 1 else 5
    init = {"in_channels": draw(channels), "out_channels": draw(channels), "padding": padding}
    shape = (draw(st.integers(1, MAX_BATCH)), init["in_channels"],
             draw(st.integers(low, low + 7)), draw(st.integers(low, low + 7)))
    return ModuleCase("DoubleConv", init, draw_module_input(draw, shape))


def unet_valid_side(depth: int, padding: int, bottom: int) -> int:
    """An input side UNet accepts, from the side ``bottom`` of its deepest feature map.

    padding=1: any multiple of 2**depth (``bottom * 2**depth``). padding=0: every DoubleConv
    removes 4 pixels and every pooling halves an even side, so side = 2**depth (bottom + 4)
    + 4 (2**depth - 1); bottom >= 4 keeps every decoder map non-empty. Example: the paper's
    ``unet_valid_side(4, 0, 28) == 572``.
    """
    if padding == 1:
        return bottom * 2**depth
    return 2**depth * (bottom + 4) + 4 * (2**depth - 1)


@st.composite
def unet_cases(draw) -> ModuleCase:
    """UNet(in_channels, num_classes, base_channels, depth, padding) on non-square inputs it
    accepts: padding=1 (depth 1..3, sides multiple of 2**depth) or padding=0 (depth 1..2, the
    paper's valid sizes), with narrow widths to stay fast."""
    padding = draw(st.sampled_from([1, 0]))
    depth = draw(st.integers(1, 3 if padding == 1 else 2))
    bottom = st.integers(1, 3) if padding == 1 else st.integers(4, 6)
    h = unet_valid_side(depth, padding, draw(bottom))
    w = unet_valid_side(depth, padding, draw(bottom))
    init = {"in_channels": draw(st.integers(1, 3)), "num_classes": draw(st.integers(1, 3)),
            "base_channels": draw(st.integers(1, 4)), "depth": depth, "padding": padding}
    x = draw_module_input(draw, (draw(st.integers(1, 2)), init["in_channels"], h, w))
    return ModuleCase("UNet", init, x)


__all__ = [
    "random_tensor", "seeds", "tensors", "int_or_pair", "per_axis", "DTYPES", "LAYOUTS", "dtypes", "with_layout",
    "layout_of", "module_inputs",
    "Conv2dCase", "Pool2dCase", "ConvTranspose2dCase", "InvalidCase", "ModuleCase", "CenterCropCase",
    "KnownAnswer", "OutputSizeCase",
    "conv2d_cases", "pool2d_cases", "max_pool2d_cases", "avg_pool2d_cases", "conv_transpose2d_cases",
    "conv_output_size_cases", "conv_output_size_regressions", "invalid_output_size_cases",
    "lecture_transposed_example", "conv2d_regressions", "pool2d_regressions", "conv_transpose2d_regressions",
    "invalid_cases", "invalid_argument_cases", "INVALID_ARGUMENT_PARTS", "TORCH_RAISES",
    "inception_block_cases", "residual_block_cases", "lenet_cases", "resnet18_cases", "googlenet_cases",
    "center_crop_cases", "double_conv_cases", "unet_valid_side", "unet_cases",
]
