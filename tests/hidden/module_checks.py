"""Checks shared by the hidden suites of module parts (architectures, segmentation).

SECRET (it builds the reference modules). A module part is graded by building the student's
module in the worker, converting it to the input's dtype (float64 or float32), loading the
reference's weights by name (a name or shape mismatch fails listing both), and comparing
outputs, running statistics and gradients with the reference's. BatchNorm layers of the reference get non-trivial statistics and affine
parameters first: at their initial values (mean 0, variance 1, weight 1, bias 0) a missing or
misplaced BatchNorm is invisible in eval mode. Example::

    reference = reference_module(ref.ResidualBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_forward(block, reference, case, device, mode="eval")
"""
from __future__ import annotations

import functools
import hashlib
import math
import types
import zlib
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn

from autograder import strategies as st
from autograder.grading.failures import GradingFailure, note
from autograder.grading.harness import StudentRaised, check_close, check_grads, describing, fail
from autograder.i18n import N_, _
from autograder.sandbox.worker import built_for_loading


#: Reference tensors from this size on are kept by the worker after their first load and named by
#: their digest afterwards (sandbox.client.Kept): a ResNet-18's 11 M float64 weights, the same in
#: every configuration, cross the pipe once per submission instead of once per example.
KEPT_FROM_BYTES = 1 << 18


def _role(owner: nn.Module, leaf: str, tensor: torch.Tensor) -> tuple[str, int]:
    """How a state tensor is drawn (see :func:`_seeded_tensor`) and the fan-in that scales it."""
    if isinstance(owner, nn.modules.batchnorm._BatchNorm):
        return {"weight": "around_one", "running_var": "around_one", "bias": "around_zero",
                "running_mean": "around_zero", "num_batches_tracked": "count"}.get(leaf, "small"), 1
    weight = getattr(owner, "weight", None)
    if leaf == "weight" and tensor.dim() > 1:
        return "uniform", math.prod(tensor.shape[1:])
    if leaf == "bias" and isinstance(weight, torch.Tensor) and weight.dim() > 1:
        return "uniform", math.prod(weight.shape[1:])
    return "small", 1


@functools.lru_cache(maxsize=4096)
def _seeded_tensor(seed: int, name: str, shape: tuple, role: str, fan_in: int,
                   dtype: torch.dtype) -> tuple[torch.Tensor, str | None]:
    """The reference's value for the state tensor ``name``: a function of these arguments alone,
    so every configuration that has the tensor (a ResNet-18's layers, whatever its num_classes)
    gets the same one. Convolutions and linear layers as torch initialises them (uniform within
    1/sqrt(fan_in)); BatchNorm far from its initial state (a missing or misplaced one is visible in
    eval mode). Also the digest that names it on the wire (None below KEPT_FROM_BYTES)."""
    if role == "count":
        return torch.zeros(shape, dtype=torch.int64), None
    generator = torch.Generator().manual_seed(zlib.crc32(repr((seed, name, shape, role, fan_in)).encode()))
    if role == "uniform":
        values = (2 * torch.rand(shape, generator=generator, dtype=torch.float64) - 1) / fan_in ** 0.5
    elif role == "around_one":
        values = 0.5 + torch.rand(shape, generator=generator, dtype=torch.float64)
    elif role == "around_zero":
        values = 0.2 * torch.randn(shape, generator=generator, dtype=torch.float64)
    else:
        values = 0.1 * torch.randn(shape, generator=generator, dtype=torch.float64)
    values = values.to(dtype)
    digest = None
    if values.numel() * values.element_size() >= KEPT_FROM_BYTES:
        digest = hashlib.blake2b(values.numpy().view(np.uint8), digest_size=16).hexdigest()
    return values, digest


@functools.lru_cache(maxsize=4)
def _reusable_reference(cls: type, init: tuple, seed: int, device: str, dtype: torch.dtype) -> nn.Module:
    """One reference module per configuration, with the seeded values it is to hold
    (``_seeded_state``: values and digests by name); :func:`reference_module`, its only caller, puts
    them in before each use, the first one included."""
    # Built in its dtype without drawing weights: reference_module fills every state tensor.
    module = built_for_loading(torch, cls, str(dtype).removeprefix("torch."))(**dict(init)).to(dtype=dtype)
    initial, digests = {}, {}
    for name, tensor in module.state_dict().items():
        owner_name, _dot, leaf = name.rpartition(".")
        role, fan_in = _role(module.get_submodule(owner_name), leaf, tensor)
        value, digests[name] = _seeded_tensor(seed, name, tuple(tensor.shape), role, fan_in,
                                              tensor.dtype if tensor.is_floating_point() else torch.int64)
        initial[name] = value.to(device)
    module = module.to(device)
    module._seeded_state = (initial, digests)
    return module


def reference_module(cls: type, case, device: str, *, seed: int = 0) -> nn.Module:
    """A fresh reference ``cls(**case.kwargs())`` in ``case.x``'s dtype on ``device`` with seeded
    weights and non-trivial BatchNorm, in train mode, without gradients.

    A configuration seen before (the regression cases run in several tests) gets the same module
    back with its state put back as built: a copy per call (``copy.deepcopy``) cost more than the
    checks of a small module, and building a ResNet-18 takes a while. One reference is in use at a
    time: the next call resets it.
    """
    init = tuple(sorted(case.kwargs().items()))
    module = _reusable_reference(cls, init, seed, device, case.x.dtype)
    initial, _digests = module._seeded_state
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            tensor.copy_(initial[name])
    module.zero_grad(set_to_none=True)
    return module.train()


def _kept_digests(reference: nn.Module) -> dict[str, str]:
    """{name: digest} of the reference's large tensors that still hold their seeded values (a
    composed reference, or one a forward in train mode moved, has none or fewer)."""
    initial, digests = getattr(reference, "_seeded_state", ({}, {}))
    state = reference.state_dict()
    return {name: digest for name, digest in digests.items()
            if digest is not None and name in state and torch.equal(state[name], initial[name])}


def loaded_student_module(student, case, reference: nn.Module, device: str):
    """The student's module for ``case``, in ``case.x``'s dtype on ``device``, holding ``reference``'s weights."""
    module = student.build(case.module, *case.args(), case=case, weights_follow=case.x.dtype, **case.kwargs())
    with describing(case):
        module.float() if case.x.dtype == torch.float32 else module.double()
        if device != "cpu":
            module.to(device)
        module.load_reference_state(reference, digests=_kept_digests(reference))
    return module


def check_forward(module, reference: nn.Module, case, device: str, *, mode: str, hint: str,
                  hints: Iterable[tuple[str, Callable[[], object]]] = ()) -> None:
    """Same output as the reference in ``mode`` ("eval" or "train") on ``case.x``."""
    getattr(module, mode)()
    getattr(reference, mode)()
    with describing(case, _("{mode} mode", mode=mode)):
        got = module.forward(case.x)
        expected = reference(case.x.to(device))
        check_close(got, expected, hint=hint, hints=hints)


def check_buffers(module, reference: nn.Module, case, *, after: str) -> None:
    """Every buffer (BatchNorm running_mean / running_var / num_batches_tracked) as the reference's."""
    state = module.state_dict()
    with describing(case):
        for name, buffer in reference.named_buffers():
            if name not in state:
                fail(_("the buffer {name} is missing from state_dict().", name=name))
            check_close(state[name], buffer.detach().cpu(), what=f"{name} {_(after)}",
                        hint=N_("use nn.BatchNorm2d (with its running statistics) exactly where the assignment says, "
                             "once per forward."))


def check_module_gradients(module, reference: nn.Module, case, device: str, *, mode: str = "train",
                           seed: int = 19) -> None:
    """Gradients of the input and of every parameter match the reference's for one backward."""
    getattr(module, mode)()
    getattr(reference, mode)()
    reference.zero_grad(set_to_none=True)
    x = case.x.detach().clone().to(device).requires_grad_(True)  # a copy: case.x is reused
    out = reference(x)
    grad_output = st.random_tensor(out.shape, seed=seed, dtype=out.dtype)
    out.backward(grad_output.to(device))
    expected = {0: x.grad}
    names = {0: "x"}
    for name, parameter in reference.named_parameters():
        expected[f"param:{name}"] = parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)
        names[f"param:{name}"] = name
    with describing(case, _("{mode} mode", mode=mode)):
        got = backward_through(lambda: module.forward(case.x, grad_output=grad_output, grad_wrt=(0, "params")),
                               tuple(out.shape))
        missing = [names[key] for key in expected if got.grads.get(key) is None]
        if missing:
            fail(_("no gradient reached: {names}.\nHint: use each layer declared in __init__ inside forward, and only "
                   "torch operations (no .detach(), .item() or numpy).",
                   names=", ".join(missing[:8]) + ("…" if len(missing) > 8 else "")))
        check_grads(got, expected, names=names)


def backward_through(call, expected_shape: tuple):
    """``call()`` (a student call with ``grad_output``); an output of the wrong shape, which makes
    the worker's backward fail, becomes a clear message instead of autograd's."""
    try:
        return call()
    except StudentRaised as exc:
        if "Mismatch in shape" not in str(exc):
            raise
        fail(_("the output does not have the expected shape {shape}, so the gradient could not be compared.\n"
               "Hint: first fix the shape of the output (the test that compares the result shows it).",
               shape=expected_shape))


def check_module_input_unchanged(module, case) -> None:
    """The module does not modify its input in place (sent as a leaf that requires grad)."""
    with describing(case):
        try:
            module.forward(case.x, grad_wrt=(0,))
        except StudentRaised as exc:
            if "in-place" not in str(exc) and "inplace" not in str(exc):
                raise
            fail(_("the forward modified its input in place (in-place).\n"
                   "Hint: do not use in-place operations (ReLU(inplace=True), x += ...) on the input."))


def parameter_count(module) -> int:
    """How many scalars the student's module's parameters hold (from ``describe()``)."""
    total = 0
    for shape in module.describe().get("parameters", {}).values():
        size = 1
        for side in shape:
            size *= int(side)
        total += size
    return total


# --- a bug costs only its own part ------------------------------------------------------------------
# UNet is built from the student's DoubleConv and center_crop, ResNet18 from the student's
# ResidualBlock. When a composite module fails against the reference, the same check runs again
# against the reference's own composition (its __init__ and forward, run HERE on the trusted side)
# whose reused pieces are the student's: each piece is a student module living in the worker (or
# the student's function), driven from here with the weights copied in, and differentiated
# through the worker. If the student's composite matches that, only the reused part is wrong:
# the composite keeps its points, and the report says which part it reuses fails. Nothing of
# the reference crosses to the worker: only tensors, as in every other call.


class _ThroughWorker(torch.autograd.Function):
    """``piece(x)`` computed by the student's code in the worker; its backward asks the worker
    for the gradients of the same call (the input's and, for a module, every parameter's)."""

    @staticmethod
    def forward(ctx, piece, x, *params):
        ctx.piece = piece
        ctx.save_for_backward(x)
        return piece.run(x.detach())

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grads = ctx.piece.run_backward(x.detach(), grad_output.detach())
        return (None, *grads)


def _as_tensor(value, like: torch.Tensor) -> torch.Tensor:
    if not isinstance(value, np.ndarray):
        fail(_("the reused piece returned {type}, not a tensor.", type=type(value).__name__))
    return torch.from_numpy(np.array(value)).to(like.device)


def _filler(name: str, shape: tuple, dtype: torch.dtype) -> torch.Tensor:
    """Deterministic values (from the name) for a tensor the reference has no counterpart of."""
    generator = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    if name.endswith("num_batches_tracked"):
        return torch.zeros(shape, dtype=torch.int64)
    if name.endswith(("running_var", "weight")) and len(shape) <= 1:
        return (0.5 + torch.rand(shape, generator=generator, dtype=torch.float64)).to(dtype)
    fan_in = max(1, math.prod(shape[1:])) if len(shape) > 1 else 1
    return (torch.randn(shape, generator=generator, dtype=torch.float64) / fan_in**0.5).to(dtype)


class StudentPiece(nn.Module):
    """A trusted-side stand-in for one student submodule (a DoubleConv inside UNet): its
    parameters and buffers are ordinary tensors here, under the student's own names, so the
    composed model's state_dict is the one the student's composite holds; its forward runs the
    student's module in the worker with those values (:meth:`push` sends them)."""

    def __init__(self, student, class_name: str, args: tuple, kwargs: dict, dtype: torch.dtype, device: str):
        super().__init__()
        self.handle = student.build(class_name, *args, weights_follow=dtype, **kwargs)
        self.handle.float() if dtype == torch.float32 else self.handle.double()
        if device != "cpu":
            self.handle.to(device)
        info = self.handle.describe()
        self.param_names = list(info["parameters"])
        for group, names in (("parameters", info["parameters"]), ("buffers", info["buffers"])):
            for name, shape in names.items():
                value = _filler(name, tuple(shape), dtype)
                _set_nested(self, name, nn.Parameter(value) if group == "parameters" else value, group == "parameters")
        self._mode = None

    def push(self) -> None:
        """Send this piece's current values to the student's module."""
        self.handle.load_reference_state(self)

    def _sync_mode(self) -> None:
        if self._mode != self.training:
            self.handle.train() if self.training else self.handle.eval()
            self._mode = self.training

    def run(self, x: torch.Tensor) -> torch.Tensor:
        self._sync_mode()
        out = _as_tensor(self.handle.forward(x).value, x)
        if self.training and any(True for _buffer in self.buffers()):  # running statistics moved there: follow them
            state = self.handle.state_dict()
            with torch.no_grad():
                for name, buffer in self.named_buffers():
                    if name in state:
                        buffer.copy_(torch.from_numpy(np.array(state[name])).to(buffer.device))
        return out

    def run_backward(self, x: torch.Tensor, grad_output: torch.Tensor) -> tuple:
        self._sync_mode()
        got = self.handle.forward(x, grad_output=grad_output, grad_wrt=(0, "params"))
        params = dict(self.named_parameters())
        grads = [got.grads.get(0)] + [got.grads.get(f"param:{name}") for name in self.param_names]
        likes = [x] + [params[name] for name in self.param_names]
        return tuple(torch.zeros_like(like) if g is None else _as_tensor(g, like) for g, like in zip(grads, likes))

    def forward(self, x):
        params = dict(self.named_parameters())
        return _ThroughWorker.apply(self, x, *[params[name] for name in self.param_names])


class _FunctionPiece:
    """The student's function (``center_crop``) called from the reference's code: its tensor
    argument goes to the worker, the result comes back; gradients through the worker too."""

    def __init__(self, student, name: str):
        self.student, self.name = student, name

    def __call__(self, x, *args, **kwargs):
        piece = _BoundCall(self.student, self.name, args, kwargs)
        return _ThroughWorker.apply(piece, x)


class _BoundCall:
    def __init__(self, student, name, args, kwargs):
        self.student, self.name = student, name
        self.args = tuple(tuple(a) if isinstance(a, torch.Size) else a for a in args)
        self.kwargs = kwargs

    def run(self, x):
        return _as_tensor(self.student.call(self.name, x, *self.args, **self.kwargs).value, x)

    def run_backward(self, x, grad_output):
        got = self.student.call(self.name, x, *self.args, grad_output=grad_output, grad_wrt=(0,), **self.kwargs)
        grad = got.grads.get(0)
        return (torch.zeros_like(x) if grad is None else _as_tensor(grad, x),)


def _set_nested(module: nn.Module, dotted: str, value, is_parameter: bool) -> None:
    *path, leaf = dotted.split(".")
    for part in path:
        if part not in module._modules:
            module.add_module(part, nn.Module())
        module = module._modules[part]
    module.register_parameter(leaf, value) if is_parameter else module.register_buffer(leaf, value)


def composed_reference(student, reference_module_of, cls: type, case, device: str, reference: nn.Module,
                       reused: dict) -> nn.Module:
    """The reference ``cls(**case.kwargs())`` whose code uses the student's parts named in
    ``reused`` ({"DoubleConv": "module", "center_crop": "function"}), holding ``reference``'s
    weights wherever the names agree (deterministic values elsewhere), pushed to the pieces."""
    dtype = case.x.dtype
    namespace = dict(vars(reference_module_of))
    pieces: list[StudentPiece] = []

    def module_factory(name):
        def build(*args, **kwargs):
            piece = StudentPiece(student, name, args, kwargs, dtype, device)
            pieces.append(piece)
            return piece
        return build

    for name, kind in reused.items():
        namespace[name] = module_factory(name) if kind == "module" else _FunctionPiece(student, name)

    def rebound(function):
        copy_ = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                                   function.__closure__)
        copy_.__kwdefaults__ = function.__kwdefaults__
        return copy_

    composed_class = type(cls.__name__, (cls,), {"__init__": rebound(cls.__init__), "forward": rebound(cls.forward)})
    torch.default_generator.manual_seed(0)
    with describing(case, _("reference built from your own pieces")):
        composed = composed_class(**case.kwargs()).to(device=device, dtype=dtype)
        wanted = reference.state_dict()
        with torch.no_grad():
            for name, tensor in composed.state_dict().items():
                if name in wanted and tuple(wanted[name].shape) == tuple(tensor.shape):
                    tensor.copy_(wanted[name])
        for piece in pieces:
            piece.push()
    return composed


#: The note of a composite part that matched the reference built from the student's own parts.
OWN_PARTS_NOTE = N_("`{part}` matches the reference built from your own pieces ({pieces}): this test "
                    "keeps its points.")


def graded_with_own_parts(student, case, device: str, *, cls: type, reference_module_of, reused: dict,
                          check: Callable) -> None:
    """Run ``check(student_module, reference_model)`` against the reference; when it fails, again
    against :func:`composed_reference` built from the student's own ``reused`` parts. Only a
    failure of both fails (with the first message); a pass of the second leaves a note."""
    reference = reference_module(cls, case, device)
    try:
        check(loaded_student_module(student, case, reference, device), reference)
        return
    except GradingFailure as failure:
        first = failure
    try:
        # The pieces run in a second worker, where the composite never ran: a piece cannot replay
        # what it recorded while the student's composite called it.
        composed = composed_reference(student.isolated(), reference_module_of, cls, case, device, reference, reused)
        check(loaded_student_module(student, case, composed, device), composed)
    except Exception:  # the student's pieces cannot stand in (or differ too): the first verdict holds
        # Also when a piece raises (the reference built from it raises too): nothing after it can be
        # checked, and crediting "fails the same way" would pay a composite that only calls a broken piece.
        raise first from None
    note(_(OWN_PARTS_NOTE, part=cls.__name__, pieces=", ".join(f"`{name}`" for name in reused)))
