"""Relleno de ejes cruzados (ancho en el alto) / padding pair applied to the wrong axes.

expect: bug avg_pool2d
witness: avg_pool2d(randn(1, 1, 6, 7), (3, 2), 1, (1, 0))
"""
_reference_avg_pool2d = avg_pool2d


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    if not isinstance(padding, int):
        p_h, p_w = padding
        # F.pad takes the last axis first; this student forgot it.
        x = F.pad(x, (p_h, p_h, p_w, p_w))
        return _reference_avg_pool2d(x, kernel_size, stride or kernel_size, 0)
    return _reference_avg_pool2d(x, kernel_size, stride, padding)
