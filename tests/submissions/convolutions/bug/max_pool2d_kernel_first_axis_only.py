"""Ventana cuadrada kernel_size[0] x kernel_size[0] / square window from the first kernel size.

expect: bug max_pool2d
witness: max_pool2d(randn(1, 1, 6, 7), (2, 3), (2, 1))
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    if not isinstance(kernel_size, int):
        stride = kernel_size if stride is None else stride
        kernel_size = (kernel_size[0], kernel_size[0])
    return _reference_max_pool2d(x, kernel_size, stride, padding)
