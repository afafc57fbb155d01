"""Tamaño de salida sin el "+1" / output size without the +1 (drops the last window).

expect: bug max_pool2d
witness: max_pool2d(randn(1, 1, 5, 7), 2)
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return _reference_max_pool2d(x, kernel_size, stride, padding)[:, :, :-1, :-1]
