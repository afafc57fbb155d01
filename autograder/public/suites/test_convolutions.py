"""Public checks of "convolutions": each function against torch.nn.functional.

What students run (``check("conv2d")`` in the notebook, ``autograder check convolutions.ipynb``).
PUBLIC: no reference solution here. By contract each function equals torch's (F.conv2d,
F.max_pool2d, F.avg_pool2d with count_include_pad=True, F.conv_transpose2d), so that is what the
trusted side computes. Fewer examples than the grading, and another seed.
"""
from __future__ import annotations

import torch.nn.functional as F
from hypothesis import given

from autograder import strategies as st
from autograder.grading.harness import check_close, check_input_unchanged, describing, part, reference_call

FLIPPED_KERNEL = "¿Volteaste el filtro? La capa convolucional calcula una correlación cruzada: no lo inviertas."
OUTPUT_SIZE = "tamaño de salida por eje: ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1."


@part("conv2d")
@given(case=st.conv2d_cases())
def test_conv2d_matches_functional(student, device, case):
    """conv2d da lo mismo que F.conv2d (stride, padding y dilatación por eje, 'same'/'valid')"""
    flipped = (FLIPPED_KERNEL, lambda: reference_call(F.conv2d, case.with_flipped_kernel(), device))
    check_close(student.run("conv2d", case), reference_call(F.conv2d, case, device), case=case,
                hints=[flipped], hint=OUTPUT_SIZE)


@part("conv2d", kind="input_unchanged")
def test_conv2d_leaves_input_unchanged(student):
    """conv2d no modifica su entrada"""
    check_input_unchanged(student, "conv2d", st.conv2d_regressions()[0])


@part("max_pool2d")
@given(case=st.max_pool2d_cases())
def test_max_pool2d_matches_functional(student, device, case):
    """max_pool2d da lo mismo que F.max_pool2d (también con entradas negativas y padding)"""
    check_close(student.run("max_pool2d", case), reference_call(F.max_pool2d, case, device), case=case,
                hint="stride=None significa stride = kernel_size; el relleno (−∞) nunca gana el máximo.")


@part("avg_pool2d")
@given(case=st.avg_pool2d_cases())
def test_avg_pool2d_matches_functional(student, device, case):
    """avg_pool2d da lo mismo que F.avg_pool2d con count_include_pad=True"""
    check_close(student.run("avg_pool2d", case), reference_call(F.avg_pool2d, case, device), case=case,
                hint="stride=None significa stride = kernel_size; el promedio divide por kH·kW (cuenta el relleno).")


@part("conv_transpose2d", builds_on=("conv2d",))
@given(case=st.conv_transpose2d_cases())
def test_conv_transpose2d_matches_functional(student, device, case):
    """conv_transpose2d da lo mismo que F.conv_transpose2d (stride, padding, output_padding)"""
    check_close(student.run("conv_transpose2d", case), reference_call(F.conv_transpose2d, case, device), case=case,
                hint="tamaño de salida: (H − 1)·s − 2p + k + output_padding; el padding recorta la salida.")


@part("conv_transpose2d", kind="examples", builds_on=("conv2d",))
def test_conv_transpose2d_lecture_example(student, device):
    """conv_transpose2d reproduce el ejemplo de la clase"""
    known = st.lecture_transposed_example()
    with describing("entrada [[0, 1], [2, 3]], filtro [[1, 2], [3, 4]]"):
        check_close(student.call("conv_transpose2d", *known.case.args()), known.expected.to(device),
                    hint="debe dar [[0, 1, 2], [2, 10, 10], [6, 17, 12]].")
