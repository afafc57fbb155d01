"""Usa stride[0] en ambos ejes / first stride for both axes.

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 3, 4), randn(2, 2, 3, 2), None, (1, 2))
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    if not isinstance(stride, int):
        stride = (stride[0], stride[0])
    return _reference_conv_transpose2d(x, weight, bias, stride, padding, output_padding)
