"""Usa dilation[0] en ambos ejes / uses the first dilation for both axes.

expect: bug conv2d
witness: conv2d(randn(1, 2, 9, 8), randn(3, 2, 2, 3), dilation=(1, 2))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    if not isinstance(dilation, int):
        dilation = (dilation[0], dilation[0])
    return _reference_conv2d(x, weight, bias, stride, padding, dilation)
