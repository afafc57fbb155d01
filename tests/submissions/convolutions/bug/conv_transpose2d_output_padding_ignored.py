"""Ignora output_padding / output_padding ignored (output one row/column short).

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 3, 4), randn(2, 3, 3, 3), None, 2, 1, 1)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    return _reference_conv_transpose2d(x, weight, bias, stride, padding, 0)
