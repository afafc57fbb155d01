"""Divide por kH*kH en vez de kH*kW / divides by the square of the first kernel size.

expect: bug avg_pool2d
witness: avg_pool2d(randn(1, 2, 6, 6), (2, 3))
"""
_reference_avg_pool2d = avg_pool2d


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    k_h, k_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return _reference_avg_pool2d(x, kernel_size, stride, padding) * (k_h * k_w) / (k_h * k_h)
