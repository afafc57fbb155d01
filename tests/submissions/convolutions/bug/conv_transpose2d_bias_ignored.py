"""Olvida sumar el bias / forgets the bias.

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(2, 2, 3, 3), randn(2, 3, 2, 2), randn(3), 2)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    return _reference_conv_transpose2d(x, weight, None, stride, padding, output_padding)
