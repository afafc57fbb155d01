"""Checks shared by the hidden suites of module parts (architectures, segmentation).

SECRET (it builds the reference modules). A module part is graded by building the student's
module in the worker, converting it to float64, loading the reference's weights by name (a name
or shape mismatch fails listing both), and comparing outputs, running statistics and gradients
with the reference's. BatchNorm layers of the reference get non-trivial statistics and affine
parameters first: at their initial values (mean 0, variance 1, weight 1, bias 0) a missing or
misplaced BatchNorm is invisible in eval mode. Example::

    reference = reference_module(ref.ResidualBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_forward(block, reference, case, device, mode="eval")
"""
from __future__ import annotations

import copy
import functools
from typing import Callable, Iterable

import torch
from hypothesis import example
from torch import nn

from autograder import strategies as st
from autograder.grading.harness import StudentRaised, check_close, check_grads, describing, fail


def with_examples(cases):
    """Decorate a ``@given(case=...)`` test with each regression case as an ``@example``."""
    def decorate(test):
        for case in reversed(cases):
            test = example(case=case)(test)
        return test
    return decorate


@functools.lru_cache(maxsize=8)
def _initial_reference(cls: type, init: tuple, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    module = cls(**dict(init))
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.BatchNorm2d):
                size = layer.num_features
                layer.running_mean.copy_(0.2 * torch.randn(size, generator=generator))
                layer.running_var.copy_(0.5 + torch.rand(size, generator=generator))
                layer.weight.copy_(0.5 + torch.rand(size, generator=generator))
                layer.bias.copy_(0.2 * torch.randn(size, generator=generator))
    return module.double()


def reference_module(cls: type, case, device: str, *, seed: int = 0) -> nn.Module:
    """A fresh float64 reference ``cls(**case.kwargs())`` on ``device`` with non-trivial BatchNorm.

    Built once per configuration and copied (a ResNet-18 takes a while to initialise).
    """
    init = tuple(sorted(case.kwargs().items()))
    return copy.deepcopy(_initial_reference(cls, init, seed)).to(device)


def loaded_student_module(student, case, reference: nn.Module, device: str):
    """The student's module for ``case``, in float64 on ``device``, holding ``reference``'s weights."""
    module = student.build(case.module, *case.args(), case=case, **case.kwargs())
    with describing(case):
        module.double()
        if device != "cpu":
            module.to(device)
        module.load_reference_state(reference)
    return module


def check_forward(module, reference: nn.Module, case, device: str, *, mode: str, hint: str,
                  hints: Iterable[tuple[str, Callable[[], object]]] = ()) -> None:
    """Same output as the reference in ``mode`` ("eval" or "train") on ``case.x``."""
    getattr(module, mode)()
    getattr(reference, mode)()
    with describing(case, f"modo {mode}"):
        got = module.forward(case.x)
        expected = reference(case.x.to(device))
        check_close(got, expected, hint=hint, hints=hints)


def check_buffers(module, reference: nn.Module, case, *, after: str) -> None:
    """Every buffer (BatchNorm running_mean / running_var / num_batches_tracked) as the reference's."""
    state = module.state_dict()
    with describing(case):
        for name, buffer in reference.named_buffers():
            if name not in state:
                fail(f"falta el buffer {name} en state_dict().")
            check_close(state[name], buffer.detach().cpu(), what=f"{name} {after}",
                        hint="usa nn.BatchNorm2d (con sus estadísticas móviles) justo donde dice el enunciado, "
                             "una vez por forward.")


def check_module_gradients(module, reference: nn.Module, case, device: str, *, mode: str = "train",
                           seed: int = 19) -> None:
    """Gradients of the input and of every parameter match the reference's for one backward."""
    getattr(module, mode)()
    getattr(reference, mode)()
    reference.zero_grad(set_to_none=True)
    x = case.x.to(device).requires_grad_(True)
    out = reference(x)
    grad_output = st.random_tensor(out.shape, seed=seed)
    out.backward(grad_output.to(device))
    expected = {0: x.grad}
    names = {0: "x"}
    for name, parameter in reference.named_parameters():
        expected[f"param:{name}"] = parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)
        names[f"param:{name}"] = name
    with describing(case, f"modo {mode}"):
        got = backward_through(lambda: module.forward(case.x, grad_output=grad_output, grad_wrt=(0, "params")),
                               tuple(out.shape))
        missing = [names[key] for key in expected if got.grads.get(key) is None]
        if missing:
            fail("no llegó gradiente a: " + ", ".join(missing[:8]) + ("…" if len(missing) > 8 else "") +
                 ".\nPista: usa cada capa declarada en __init__ dentro de forward, y sólo operaciones de torch "
                 "(nada de .detach(), .item() ni numpy).")
        check_grads(got, expected, names=names)


def backward_through(call, expected_shape: tuple):
    """``call()`` (a student call with ``grad_output``); an output of the wrong shape, which makes
    the worker's backward fail, becomes a clear message instead of autograd's."""
    try:
        return call()
    except StudentRaised as exc:
        if "Mismatch in shape" not in str(exc):
            raise
        fail(f"la salida no tiene la forma esperada {expected_shape}, así que no se pudo comparar el gradiente.\n"
             "Pista: corrige primero la forma de la salida (la prueba que compara el resultado lo muestra).")


def check_module_input_unchanged(module, case) -> None:
    """The module does not modify its input in place (sent as a leaf that requires grad)."""
    with describing(case):
        try:
            module.forward(case.x, grad_wrt=(0,))
        except StudentRaised as exc:
            if "in-place" not in str(exc) and "inplace" not in str(exc):
                raise
            fail("el forward modificó su entrada en el lugar (in-place).\n"
                 "Pista: no uses operaciones in-place (ReLU(inplace=True), x += ...) sobre la entrada.")


def parameter_count(module) -> int:
    """How many scalars the student's module's parameters hold (from ``describe()``)."""
    total = 0
    for shape in module.describe().get("parameters", {}).values():
        size = 1
        for side in shape:
            size *= int(side)
        total += size
    return total
