"""Olvida sumar el bias / forgets the bias.

expect: bug conv2d
witness: conv2d(randn(2, 3, 4, 5), randn(2, 3, 2, 2), randn(2))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _reference_conv2d(x, weight, None, stride, padding, dilation)
