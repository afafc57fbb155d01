"""Relleno con ceros: las celdas de relleno ganan el máximo con entradas negativas / zero padding wins.

expect: bug max_pool2d
witness: max_pool2d(randn(1, 2, 5, 6) - 3, 3, 2, 1)
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    return _reference_max_pool2d(F.pad(x, (p_w, p_w, p_h, p_h)), kernel_size, stride or kernel_size, 0)
