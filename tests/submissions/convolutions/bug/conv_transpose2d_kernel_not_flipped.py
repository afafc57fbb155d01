"""Inserta ceros pero no rota el filtro 180° / zero insertion without flipping the kernel.

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 3, 3), randn(2, 1, 2, 3), None, 2)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    return _reference_conv_transpose2d(x, weight.flip(2, 3), bias, stride, padding, output_padding)
