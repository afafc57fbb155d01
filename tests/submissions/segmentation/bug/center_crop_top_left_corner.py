"""Recorta la esquina superior izquierda, sin centrar / crops the top-left corner.

expect: bug center_crop
witness: center_crop(randn(2, 1, 8, 9), (4, 5))
"""


def center_crop(x, size):
    h, w = size
    return x[..., :h, :w]
