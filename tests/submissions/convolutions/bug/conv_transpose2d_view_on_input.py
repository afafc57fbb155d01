"""Reparte la entrada con .view(): falla con una entrada no contigua / .view() on a non-contiguous input.

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 4, 3).transpose(2, 3), randn(2, 3, 2, 2), None, 2)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    n, c_in, h, w = x.shape
    flat = x.view(n, c_in, h * w)  # un píxel por columna
    return _reference_conv_transpose2d(flat.view(n, c_in, h, w), weight, bias, stride, padding, output_padding)
