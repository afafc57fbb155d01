"""stride=None se toma como 1 / default stride 1 instead of kernel_size.

expect: bug avg_pool2d
witness: avg_pool2d(randn(2, 1, 6, 5), 2)
"""
_reference_avg_pool2d = avg_pool2d


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return _reference_avg_pool2d(x, kernel_size, 1 if stride is None else stride, padding)
