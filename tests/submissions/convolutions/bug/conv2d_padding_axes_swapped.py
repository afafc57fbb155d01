"""F.pad recibe (alto, ancho) en vez de (ancho, alto): relleno de ejes cruzados / padding pair swapped.

expect: bug conv2d
witness: conv2d(randn(1, 2, 5, 6), randn(2, 2, 3, 3), padding=(2, 0))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    if isinstance(padding, (tuple, list)):
        padding = (padding[1], padding[0])
    return _reference_conv2d(x, weight, bias, stride, padding, dilation)
