"""Hidden suite of the assignment "convolutions": conv2d, max_pool2d, avg_pool2d, conv_transpose2d.

SECRET: run only through the grader (``autograder grade SUBMISSION --assignment convolutions``).
Per part: matches the reference on Hypothesis cases plus regression ``@example``s (float64 and
float32, contiguous and not, strict shape and dtype); hand-computed examples (the lecture's
transposed convolution); the input is not modified in place; gradients match torch's; invalid
arguments raise the exception the docstring lists (strategies.invalid_cases, the one table).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given

from autograder import strategies as st
from autograder.grading.harness import (check_close, check_grads, check_input_unchanged, check_raises, describing,
                                        part, reference_call, scaled_examples, with_examples)
from solutions import convolutions as ref
from autograder.i18n import N_, _

FLIPPED_KERNEL = N_("Did you flip the kernel? The convolutional layer computes a cross-correlation: the kernel is not flipped.")
NO_BIAS = N_("Did you forget to add the bias (one per output channel)?")
SAME_SIDE = (N_("With padding='same' and an odd total padding, the extra row/column goes at the bottom and on the right "
                "(as in PyTorch)."))
ZERO_PADDED_MAX = (N_("The max-pool padding must never win: pad with -inf, not with 0 "
                      "(try negative inputs)."))
EXCLUDED_PAD = N_("avg_pool2d counts the padding cells in the average (count_include_pad=True): divide by kH·kW.")
TRANSPOSED_FLIP = (N_("The transposed convolution spreads each input value multiplied by the kernel without "
                      "flipping it (see the lecture's example)."))
FORWARD_FIRST = N_("the result already differs before differentiating: first fix the main test of this part.")
TRANSPOSED_CROP = N_("The padding of the transposed convolution trims p rows/columns from each border of the output.")


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _conv2d_hints(case, device):
    hints = [(FLIPPED_KERNEL, lambda: reference_call(ref.conv2d, case.with_flipped_kernel(), device))]
    if case.bias is not None:
        hints.append((NO_BIAS, lambda: ref.conv2d(*(t.to(device) for t in case.args()),
                                                  **{**case.kwargs(), "bias": None})))
    if case.padding == "same":
        def wrong_side():  # the odd extra row/column on top/left instead of bottom/right
            (kh, kw), (dh, dw) = case.weight.shape[-2:], _pair(case.dilation)
            th, tw = dh * (kh - 1), dw * (kw - 1)
            padded = F.pad(case.x, (tw - tw // 2, tw // 2, th - th // 2, th // 2))
            return ref.conv2d(padded.to(device), case.weight.to(device), case.bias if case.bias is None
                              else case.bias.to(device), dilation=case.dilation)
        hints.append((SAME_SIDE, wrong_side))
    return hints


# --- conv2d -----------------------------------------------------------------------------------------

@part("conv2d")
@given(case=st.conv2d_cases())
@with_examples(st.conv2d_regressions())
def test_conv2d_matches_reference(student, device, case):
    got = student.run("conv2d", case)
    check_close(got, reference_call(ref.conv2d, case, device), case=case, hints=_conv2d_hints(case, device),
                hint=N_("check the output size, the stride, the dilation and the padding per axis."))


@part("conv2d", kind="examples")
def test_conv2d_worked_example(student, device):
    x = torch.arange(12.0, dtype=torch.float64).reshape(1, 1, 3, 4)
    weight = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]], [[[0.0, 2.0], [1.0, 0.0]]]], dtype=torch.float64)
    expected = torch.tensor([[[[-5.0, -5.0, -5.0], [-5.0, -5.0, -5.0]],
                              [[6.0, 9.0, 12.0], [18.0, 21.0, 24.0]]]], dtype=torch.float64)
    with describing(_("x = arange(12).reshape(1, 1, 3, 4), two asymmetric 2x2 kernels, no bias")):
        check_close(student.call("conv2d", x, weight), expected.to(device), hint=FLIPPED_KERNEL)


@part("conv2d", kind="input_unchanged")
def test_conv2d_leaves_input_unchanged(student):
    for case in st.conv2d_regressions():
        check_input_unchanged(student, "conv2d", case)


@part("conv2d", kind="gradients")
@scaled_examples(0.4)
@given(case=st.conv2d_cases())
def test_conv2d_gradients(student, device, case):
    x, weight = case.x, case.weight
    bias = case.bias if case.bias is not None else torch.zeros(case.weight.shape[0], dtype=case.x.dtype)
    options = {"stride": case.stride, "padding": case.padding, "dilation": case.dilation}
    inputs = [t.detach().clone().to(device).requires_grad_(True) for t in (x, weight, bias)]
    out = F.conv2d(*inputs, **options)
    grad_output = st.random_tensor(out.shape, seed=11, dtype=out.dtype)
    out.backward(grad_output.to(device))
    with describing(case):
        got = student.call("conv2d", x, weight, bias, grad_output=grad_output, grad_wrt=(0, 1, 2), **options)
    check_close(got, out, case=case, hint=FORWARD_FIRST)
    check_grads(got, {i: t.grad for i, t in enumerate(inputs)}, case=case, names={0: "x", 1: "weight", 2: "bias"})


@part("conv2d", kind="invalid_arguments")
def test_conv2d_rejects_invalid_arguments(student):
    for case in st.invalid_cases("conv2d"):
        with describing(case):
            check_raises(student, "conv2d", *case.args(), why=case.why, raises=case.raises,
                         **case.kwargs())


# --- max_pool2d / avg_pool2d ------------------------------------------------------------------------

def _max_pool_hints(case, device):
    def zero_padded():
        ph, pw = _pair(case.padding)
        padded = F.pad(case.x, (pw, pw, ph, ph))  # zeros: the classic mistake
        return ref.max_pool2d(padded.to(device), case.kernel_size, case.stride, 0)
    return [(ZERO_PADDED_MAX, zero_padded)]


@part("max_pool2d")
@given(case=st.max_pool2d_cases())
@with_examples(st.pool2d_regressions())
def test_max_pool2d_matches_reference(student, device, case):
    got = student.run("max_pool2d", case)
    check_close(got, reference_call(ref.max_pool2d, case, device), case=case, hints=_max_pool_hints(case, device),
                hint=N_("stride=None means stride = kernel_size; check the output size per axis."))


@part("max_pool2d", kind="examples")
def test_max_pool2d_worked_examples(student, device):
    x = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    with describing("x = arange(16).reshape(1, 1, 4, 4), kernel_size=2"):
        check_close(student.call("max_pool2d", x, 2), torch.tensor([[[[5.0, 7.0], [13.0, 15.0]]]],
                                                                   dtype=torch.float64, device=device))
    negative = -torch.arange(1.0, 5.0, dtype=torch.float64).reshape(1, 1, 2, 2)
    with describing("x = [[-1, -2], [-3, -4]], kernel_size=3, stride=1, padding=1"):
        check_close(student.call("max_pool2d", negative, 3, stride=1, padding=1),
                    torch.full((1, 1, 2, 2), -1.0, dtype=torch.float64, device=device), hint=ZERO_PADDED_MAX)


@part("max_pool2d", kind="input_unchanged")
def test_max_pool2d_leaves_input_unchanged(student):
    for case in st.pool2d_regressions():
        check_input_unchanged(student, "max_pool2d", case)


@part("max_pool2d", kind="gradients")
@scaled_examples(0.4)
@given(case=st.max_pool2d_cases())
def test_max_pool2d_gradients(student, device, case):
    _check_pool_gradients(student, device, case, "max_pool2d", F.max_pool2d)


@part("max_pool2d", kind="invalid_arguments")
def test_max_pool2d_rejects_invalid_arguments(student):
    for case in st.invalid_cases("max_pool2d"):
        with describing(case):
            check_raises(student, "max_pool2d", *case.args(), why=case.why, raises=case.raises,
                         **case.kwargs())


@part("avg_pool2d")
@given(case=st.avg_pool2d_cases())
@with_examples(st.pool2d_regressions())
def test_avg_pool2d_matches_reference(student, device, case):
    got = student.run("avg_pool2d", case)
    excluded = (EXCLUDED_PAD, lambda: F.avg_pool2d(*(t.to(device) for t in case.args()[:1]), case.kernel_size,
                                                     case.stride, case.padding, count_include_pad=False))
    check_close(got, reference_call(ref.avg_pool2d, case, device), case=case, hints=[excluded],
                hint=N_("stride=None means stride = kernel_size; check the output size per axis."))


@part("avg_pool2d", kind="examples")
def test_avg_pool2d_worked_examples(student, device):
    x = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    with describing("x = arange(16).reshape(1, 1, 4, 4), kernel_size=2"):
        check_close(student.call("avg_pool2d", x, 2), torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]],
                                                                   dtype=torch.float64, device=device))
    ones = torch.ones(1, 1, 2, 2, dtype=torch.float64)
    with describing("x = unos (1, 1, 2, 2), kernel_size=3, stride=1, padding=1"):
        check_close(student.call("avg_pool2d", ones, 3, stride=1, padding=1),
                    torch.full((1, 1, 2, 2), 4.0 / 9.0, dtype=torch.float64, device=device), hint=EXCLUDED_PAD)


@part("avg_pool2d", kind="input_unchanged")
def test_avg_pool2d_leaves_input_unchanged(student):
    for case in st.pool2d_regressions():
        check_input_unchanged(student, "avg_pool2d", case)


@part("avg_pool2d", kind="gradients")
@scaled_examples(0.4)
@given(case=st.avg_pool2d_cases())
def test_avg_pool2d_gradients(student, device, case):
    _check_pool_gradients(student, device, case, "avg_pool2d", F.avg_pool2d)


@part("avg_pool2d", kind="invalid_arguments")
def test_avg_pool2d_rejects_invalid_arguments(student):
    for case in st.invalid_cases("avg_pool2d"):
        with describing(case):
            check_raises(student, "avg_pool2d", *case.args(), why=case.why, raises=case.raises,
                         **case.kwargs())


def _check_pool_gradients(student, device, case, name, torch_pool):
    x = case.x.detach().clone().to(device).requires_grad_(True)  # a copy: case.x is reused
    out = torch_pool(x, case.kernel_size, case.stride, case.padding)
    grad_output = st.random_tensor(out.shape, seed=13, dtype=out.dtype)
    out.backward(grad_output.to(device))
    with describing(case):
        got = student.call(name, case.x, case.kernel_size, grad_output=grad_output, grad_wrt=(0,),
                           stride=case.stride, padding=case.padding)
    check_close(got, out, case=case, hint=FORWARD_FIRST)
    check_grads(got, {0: x.grad}, case=case, names={0: "x"})


# --- conv_transpose2d ---------------------------------------------------------------------------------

@part("conv_transpose2d", builds_on=("conv2d",))
@given(case=st.conv_transpose2d_cases())
@with_examples(st.conv_transpose2d_regressions())
def test_conv_transpose2d_matches_reference(student, device, case):
    got = student.run("conv_transpose2d", case)
    hints = [(TRANSPOSED_FLIP, lambda: reference_call(ref.conv_transpose2d, case.with_flipped_kernel(), device))]
    check_close(got, reference_call(ref.conv_transpose2d, case, device), case=case, hints=hints,
                hint=_("output size: (H − 1)·s − 2p + k + output_padding. ") + _(TRANSPOSED_CROP))


@part("conv_transpose2d", kind="examples", builds_on=("conv2d",))
def test_conv_transpose2d_lecture_example(student, device):
    known = st.lecture_transposed_example()
    with describing(_("the lecture's example: input [[0, 1], [2, 3]], kernel [[1, 2], [3, 4]]")):
        check_close(student.call("conv_transpose2d", *known.case.args()), known.expected.to(device),
                    hint=N_("it must give [[0, 1, 2], [2, 10, 10], [6, 17, 12]]: each input adds a copy of the kernel "
                         "scaled by it."))


@part("conv_transpose2d", kind="input_unchanged", builds_on=("conv2d",))
def test_conv_transpose2d_leaves_input_unchanged(student):
    for case in st.conv_transpose2d_regressions():
        check_input_unchanged(student, "conv_transpose2d", case)


@part("conv_transpose2d", kind="gradients", builds_on=("conv2d",))
@scaled_examples(0.4)
@given(case=st.conv_transpose2d_cases())
def test_conv_transpose2d_gradients(student, device, case):
    bias = case.bias if case.bias is not None else torch.zeros(case.weight.shape[1], dtype=case.x.dtype)
    options = {"stride": case.stride, "padding": case.padding, "output_padding": case.output_padding}
    inputs = [t.detach().clone().to(device).requires_grad_(True) for t in (case.x, case.weight, bias)]
    out = F.conv_transpose2d(*inputs, **options)
    grad_output = st.random_tensor(out.shape, seed=17, dtype=out.dtype)
    out.backward(grad_output.to(device))
    with describing(case):
        got = student.call("conv_transpose2d", case.x, case.weight, bias, grad_output=grad_output,
                           grad_wrt=(0, 1, 2), **options)
    check_close(got, out, case=case, hint=FORWARD_FIRST)
    check_grads(got, {i: t.grad for i, t in enumerate(inputs)}, case=case, names={0: "x", 1: "weight", 2: "bias"})


@part("conv_transpose2d", kind="invalid_arguments", builds_on=("conv2d",))
def test_conv_transpose2d_rejects_invalid_arguments(student):
    for case in st.invalid_cases("conv_transpose2d"):
        with describing(case):
            check_raises(student, "conv_transpose2d", *case.args(), why=case.why, raises=case.raises,
                         **case.kwargs())
