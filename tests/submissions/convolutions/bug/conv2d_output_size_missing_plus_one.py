"""Tamaño de salida sin el "+1" de la fórmula / output size formula without the +1.

expect: bug conv2d
witness: conv2d(randn(1, 1, 6, 7), randn(2, 1, 3, 2), stride=2)
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _reference_conv2d(x, weight, bias, stride, padding, dilation)[:, :, :-1, :-1]
