"""Calcula en float64 "por precisión" y devuelve float64 para una entrada float32 / float64 result.

expect: bug conv2d
witness: conv2d(randn(1, 2, 5, 6).float(), randn(3, 2, 2, 3).float())
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    bias = None if bias is None else bias.double()
    return _reference_conv2d(x.double(), weight.double(), bias, stride, padding, dilation)
