"""Public checks of "convolutions": each function against torch.nn.functional.

What students run (``check("conv2d")`` in the notebook, ``autograder check convolutions.ipynb``).
PUBLIC: no reference solution here. By contract each function equals torch's (F.conv2d,
F.max_pool2d, F.avg_pool2d with count_include_pad=True, F.conv_transpose2d), so that is what the
trusted side computes. Every kind of test the grading has, each with fewer drawn examples and
another seed, plus the same hand-picked corners the grading runs (``strategies.*_regressions()``,
public inputs): the values (float64 and float32, any layout), the docstring's worked example, the input
left unchanged, the gradients, and the invalid arguments the docstring lists (the same table).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given

from autograder import strategies as st
from autograder.i18n import N_, _
from autograder.grading.harness import (check_close, check_grads, check_input_unchanged, check_raises, describing,
                                        part, reference_call, scaled_examples, with_examples)

FLIPPED_KERNEL = N_("Did you flip the kernel? The convolutional layer computes a cross-correlation: do not flip it.")
OUTPUT_SIZE = N_("output size per axis: ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1.")
FORWARD_FIRST = N_("the result already differs before differentiating: first fix the comparison with F.")
POOL_HINT = N_("stride=None means stride = kernel_size; check the output size per axis.")


def _check_invalid_arguments(student, function):
    for case in st.invalid_cases(function):
        with describing(case):
            check_raises(student, function, *case.args(), why=case.why, raises=case.raises, **case.kwargs())


def _check_gradients(student, device, function, torch_function, case, tensors, options, seed, more_args=()):
    """The student's gradients for every tensor argument equal autograd's through ``torch_function``
    (called as ``torch_function(*tensors, *more_args, **options)``, like the student's)."""
    inputs = [t.detach().clone().to(device).requires_grad_(True) for t in tensors]
    out = torch_function(*inputs, *more_args, **options)
    grad_output = st.random_tensor(out.shape, seed=seed, dtype=out.dtype)
    out.backward(grad_output.to(device))
    with describing(case):
        got = student.call(function, *tensors, *more_args, grad_output=grad_output,
                           grad_wrt=tuple(range(len(tensors))), **options)
    check_close(got, out, case=case, hint=FORWARD_FIRST)
    names = {0: "x", 1: "weight", 2: "bias"}
    check_grads(got, {i: t.grad for i, t in enumerate(inputs)}, case=case, names=names)


# --- conv2d -----------------------------------------------------------------------------------------

@part("conv2d")
@given(case=st.conv2d_cases())
@with_examples(st.conv2d_regressions())
def test_conv2d_matches_functional(student, device, case):
    """conv2d da lo mismo que F.conv2d (stride, padding y dilatación por eje, 'same'/'valid', float32, no contiguos)"""
    flipped = (FLIPPED_KERNEL, lambda: reference_call(F.conv2d, case.with_flipped_kernel(), device))
    check_close(student.run("conv2d", case), reference_call(F.conv2d, case, device), case=case,
                hints=[flipped], hint=OUTPUT_SIZE)


@part("conv2d", kind="examples")
def test_conv2d_docstring_example(student, device):
    """conv2d reproduce el ejemplo del enunciado"""
    x = torch.arange(9.0, dtype=torch.float64).reshape(1, 1, 3, 3)
    with describing("x = arange(9).reshape(1, 1, 3, 3), weight = unos (1, 1, 2, 2)"):
        check_close(student.call("conv2d", x, torch.ones(1, 1, 2, 2, dtype=torch.float64)),
                    torch.tensor([[[[8.0, 12.0], [20.0, 24.0]]]], dtype=torch.float64, device=device),
                    hint=N_("each output is the sum of the 2x2 window times the kernel."))


@part("conv2d", kind="input_unchanged")
def test_conv2d_leaves_input_unchanged(student):
    """conv2d no modifica su entrada"""
    check_input_unchanged(student, "conv2d", st.conv2d_regressions()[0])


@part("conv2d", kind="gradients")
@scaled_examples(0.5)
@given(case=st.conv2d_cases())
@with_examples(st.conv2d_regressions())
def test_conv2d_gradients(student, device, case):
    """Los gradientes de conv2d (respecto de x, weight y bias) son los de F.conv2d"""
    bias = case.bias if case.bias is not None else torch.zeros(case.weight.shape[0], dtype=case.x.dtype)
    _check_gradients(student, device, "conv2d", F.conv2d, case, (case.x, case.weight, bias),
                     {"stride": case.stride, "padding": case.padding, "dilation": case.dilation}, seed=31)


@part("conv2d", kind="invalid_arguments")
def test_conv2d_rejects_invalid_arguments(student):
    """conv2d lanza la excepción del enunciado con cada argumento inválido que lista"""
    _check_invalid_arguments(student, "conv2d")


# --- max_pool2d / avg_pool2d ------------------------------------------------------------------------

@part("max_pool2d")
@given(case=st.max_pool2d_cases())
@with_examples(st.pool2d_regressions())
def test_max_pool2d_matches_functional(student, device, case):
    """max_pool2d da lo mismo que F.max_pool2d (también con entradas negativas y padding)"""
    check_close(student.run("max_pool2d", case), reference_call(F.max_pool2d, case, device), case=case,
                hint=N_("stride=None means stride = kernel_size; the padding (−∞) never wins the maximum."))


@part("max_pool2d", kind="examples")
def test_max_pool2d_docstring_example(student, device):
    """max_pool2d reproduce el ejemplo del enunciado"""
    x = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    with describing("x = arange(16).reshape(1, 1, 4, 4), kernel_size=2"):
        check_close(student.call("max_pool2d", x, 2),
                    torch.tensor([[[[5.0, 7.0], [13.0, 15.0]]]], dtype=torch.float64, device=device), hint=POOL_HINT)


@part("max_pool2d", kind="input_unchanged")
def test_max_pool2d_leaves_input_unchanged(student):
    """max_pool2d no modifica su entrada"""
    check_input_unchanged(student, "max_pool2d", st.pool2d_regressions()[0])


@part("max_pool2d", kind="gradients")
@scaled_examples(0.5)
@given(case=st.max_pool2d_cases())
@with_examples(st.pool2d_regressions())
def test_max_pool2d_gradients(student, device, case):
    """El gradiente de max_pool2d respecto de x es el de F.max_pool2d"""
    _check_gradients(student, device, "max_pool2d", F.max_pool2d, case, (case.x,),
                     {"stride": case.stride, "padding": case.padding}, seed=37, more_args=(case.kernel_size,))


@part("max_pool2d", kind="invalid_arguments")
def test_max_pool2d_rejects_invalid_arguments(student):
    """max_pool2d lanza la excepción del enunciado con cada argumento inválido que lista"""
    _check_invalid_arguments(student, "max_pool2d")


@part("avg_pool2d")
@given(case=st.avg_pool2d_cases())
@with_examples(st.pool2d_regressions())
def test_avg_pool2d_matches_functional(student, device, case):
    """avg_pool2d da lo mismo que F.avg_pool2d con count_include_pad=True"""
    check_close(student.run("avg_pool2d", case), reference_call(F.avg_pool2d, case, device), case=case,
                hint=N_("stride=None means stride = kernel_size; the average divides by kH·kW (it counts the padding)."))


@part("avg_pool2d", kind="examples")
def test_avg_pool2d_docstring_example(student, device):
    """avg_pool2d reproduce el ejemplo del enunciado"""
    x = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    with describing("x = arange(16).reshape(1, 1, 4, 4), kernel_size=2"):
        check_close(student.call("avg_pool2d", x, 2),
                    torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]], dtype=torch.float64, device=device), hint=POOL_HINT)


@part("avg_pool2d", kind="input_unchanged")
def test_avg_pool2d_leaves_input_unchanged(student):
    """avg_pool2d no modifica su entrada"""
    check_input_unchanged(student, "avg_pool2d", st.pool2d_regressions()[0])


@part("avg_pool2d", kind="gradients")
@scaled_examples(0.5)
@given(case=st.avg_pool2d_cases())
@with_examples(st.pool2d_regressions())
def test_avg_pool2d_gradients(student, device, case):
    """El gradiente de avg_pool2d respecto de x es el de F.avg_pool2d"""
    _check_gradients(student, device, "avg_pool2d", F.avg_pool2d, case, (case.x,),
                     {"stride": case.stride, "padding": case.padding}, seed=41, more_args=(case.kernel_size,))


@part("avg_pool2d", kind="invalid_arguments")
def test_avg_pool2d_rejects_invalid_arguments(student):
    """avg_pool2d lanza la excepción del enunciado con cada argumento inválido que lista"""
    _check_invalid_arguments(student, "avg_pool2d")


# --- conv_transpose2d ---------------------------------------------------------------------------------

@part("conv_transpose2d", builds_on=("conv2d",))
@given(case=st.conv_transpose2d_cases())
@with_examples(st.conv_transpose2d_regressions())
def test_conv_transpose2d_matches_functional(student, device, case):
    """conv_transpose2d da lo mismo que F.conv_transpose2d (stride, padding, output_padding)"""
    check_close(student.run("conv_transpose2d", case), reference_call(F.conv_transpose2d, case, device), case=case,
                hint=N_("output size: (H − 1)·s − 2p + k + output_padding; the padding trims the output."))


@part("conv_transpose2d", kind="examples", builds_on=("conv2d",))
def test_conv_transpose2d_lecture_example(student, device):
    """conv_transpose2d reproduce el ejemplo de la clase"""
    known = st.lecture_transposed_example()
    with describing(_("input [[0, 1], [2, 3]], kernel [[1, 2], [3, 4]]")):
        check_close(student.call("conv_transpose2d", *known.case.args()), known.expected.to(device),
                    hint=N_("it must give [[0, 1, 2], [2, 10, 10], [6, 17, 12]]."))


@part("conv_transpose2d", kind="input_unchanged", builds_on=("conv2d",))
def test_conv_transpose2d_leaves_input_unchanged(student):
    """conv_transpose2d no modifica su entrada"""
    check_input_unchanged(student, "conv_transpose2d", st.conv_transpose2d_regressions()[1])


@part("conv_transpose2d", kind="gradients", builds_on=("conv2d",))
@scaled_examples(0.5)
@given(case=st.conv_transpose2d_cases())
@with_examples(st.conv_transpose2d_regressions())
def test_conv_transpose2d_gradients(student, device, case):
    """Los gradientes de conv_transpose2d (respecto de x, weight y bias) son los de F.conv_transpose2d"""
    bias = case.bias if case.bias is not None else torch.zeros(case.weight.shape[1], dtype=case.x.dtype)
    _check_gradients(student, device, "conv_transpose2d", F.conv_transpose2d, case, (case.x, case.weight, bias),
                     {"stride": case.stride, "padding": case.padding, "output_padding": case.output_padding}, seed=43)


@part("conv_transpose2d", kind="invalid_arguments", builds_on=("conv2d",))
def test_conv_transpose2d_rejects_invalid_arguments(student):
    """conv_transpose2d lanza la excepción del enunciado con cada argumento inválido que lista"""
    _check_invalid_arguments(student, "conv_transpose2d")

#: Each check's title as check() shows it (autograder/public/check_printout.py), in the student
#: catalog; the docstrings say the same for developers. Every public test has one (tests/test_messages_catalog.py).
TITLES = {
    "test_conv2d_matches_functional": N_("conv2d gives the same as F.conv2d (stride, padding and dilation per axis, 'same'/'valid', float32, non-contiguous)"),
    "test_conv2d_docstring_example": N_("conv2d reproduces the statement's example"),
    "test_conv2d_leaves_input_unchanged": N_("conv2d does not modify its input"),
    "test_conv2d_gradients": N_("The gradients of conv2d (with respect to x, weight and bias) are those of F.conv2d"),
    "test_conv2d_rejects_invalid_arguments": N_("conv2d raises the statement's exception for each invalid argument it lists"),
    "test_max_pool2d_matches_functional": N_("max_pool2d gives the same as F.max_pool2d (also with negative inputs and padding)"),
    "test_max_pool2d_docstring_example": N_("max_pool2d reproduces the statement's example"),
    "test_max_pool2d_leaves_input_unchanged": N_("max_pool2d does not modify its input"),
    "test_max_pool2d_gradients": N_("The gradient of max_pool2d with respect to x is that of F.max_pool2d"),
    "test_max_pool2d_rejects_invalid_arguments": N_("max_pool2d raises the statement's exception for each invalid argument it lists"),
    "test_avg_pool2d_matches_functional": N_("avg_pool2d gives the same as F.avg_pool2d with count_include_pad=True"),
    "test_avg_pool2d_docstring_example": N_("avg_pool2d reproduces the statement's example"),
    "test_avg_pool2d_leaves_input_unchanged": N_("avg_pool2d does not modify its input"),
    "test_avg_pool2d_gradients": N_("The gradient of avg_pool2d with respect to x is that of F.avg_pool2d"),
    "test_avg_pool2d_rejects_invalid_arguments": N_("avg_pool2d raises the statement's exception for each invalid argument it lists"),
    "test_conv_transpose2d_matches_functional": N_("conv_transpose2d gives the same as F.conv_transpose2d (stride, padding, output_padding)"),
    "test_conv_transpose2d_lecture_example": N_("conv_transpose2d reproduces the lecture's example"),
    "test_conv_transpose2d_leaves_input_unchanged": N_("conv_transpose2d does not modify its input"),
    "test_conv_transpose2d_gradients": N_("The gradients of conv_transpose2d (with respect to x, weight and bias) are those of F.conv_transpose2d"),
    "test_conv_transpose2d_rejects_invalid_arguments": N_("conv_transpose2d raises the statement's exception for each invalid argument it lists"),
}
