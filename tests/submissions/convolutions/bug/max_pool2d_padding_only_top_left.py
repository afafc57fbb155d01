"""Rellena sólo arriba/izquierda / pads only the top and left sides.

expect: bug max_pool2d
witness: max_pool2d(randn(1, 2, 6, 5), 3, 2, 1)
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    x = F.pad(x, (p_w, 0, p_h, 0), value=-math.inf)
    return _reference_max_pool2d(x, kernel_size, stride or kernel_size, 0)
