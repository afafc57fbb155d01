"""Filtro invertido: convolución verdadera en vez de correlación cruzada / flipped kernel.

expect: bug conv2d
witness: conv2d(randn(1, 2, 5, 6), randn(3, 2, 2, 3), randn(3))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _reference_conv2d(x, weight.flip(2, 3), bias, stride, padding, dilation)
