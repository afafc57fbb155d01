"""Usa stride[0] en ambos ejes / first stride for both axes.

expect: bug max_pool2d
witness: max_pool2d(randn(1, 2, 7, 8), 2, (1, 2))
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    if stride is not None and not isinstance(stride, int):
        stride = (stride[0], stride[0])
    return _reference_max_pool2d(x, kernel_size, stride, padding)
