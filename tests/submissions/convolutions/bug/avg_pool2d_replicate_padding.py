"""Rellena repitiendo el borde en vez de ceros / replicate padding instead of zeros.

expect: bug avg_pool2d
witness: avg_pool2d(randn(1, 2, 5, 6), 3, 1, 1)
"""
_reference_avg_pool2d = avg_pool2d


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    x = F.pad(x, (p_w, p_w, p_h, p_h), mode="replicate")
    return _reference_avg_pool2d(x, kernel_size, stride or kernel_size, 0)
