"""Usa stride[0] en ambos ejes / uses the first stride for both axes.

expect: bug conv2d
witness: conv2d(randn(2, 2, 7, 8), randn(3, 2, 3, 2), stride=(1, 2))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    if not isinstance(stride, int):
        stride = (stride[0], stride[0])
    return _reference_conv2d(x, weight, bias, stride, padding, dilation)
