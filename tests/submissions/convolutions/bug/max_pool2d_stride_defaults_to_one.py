"""stride=None se toma como 1 y no como kernel_size / default stride 1 instead of kernel_size.

expect: bug max_pool2d
witness: max_pool2d(randn(1, 2, 6, 6), 2)
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return _reference_max_pool2d(x, kernel_size, 1 if stride is None else stride, padding)
