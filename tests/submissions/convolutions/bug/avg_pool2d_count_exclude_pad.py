"""Divide sólo por las celdas reales (count_include_pad=False) / excludes padded cells from the count.

expect: bug avg_pool2d
witness: avg_pool2d(randn(1, 2, 5, 6), 3, 2, 1)
"""
_reference_avg_pool2d = avg_pool2d


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    # Averaging ones gives the fraction of real cells of each window.
    real_fraction = _reference_avg_pool2d(torch.ones_like(x), kernel_size, stride, padding)
    return _reference_avg_pool2d(x, kernel_size, stride, padding) / real_fraction
