"""Recorta sobre una vista plana con .view(): falla con una entrada no contigua / .view() on a non-contiguous input.

expect: bug center_crop
witness: center_crop(randn(1, 2, 6, 5).transpose(2, 3), (2, 3))
"""
_reference_center_crop = center_crop


def center_crop(x, size):
    n, c, height, width = x.shape
    rows = x.view(n, c, height * width).view(n, c, height, width)  # "aplanar y volver"
    return _reference_center_crop(rows, size)
