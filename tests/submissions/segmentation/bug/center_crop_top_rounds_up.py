"""top = (H - h + 1) // 2: con diferencia impar recorta una fila más abajo / rounds the offset up.

expect: bug center_crop
witness: center_crop(randn(1, 2, 9, 8), (4, 5))
"""


def center_crop(x, size):
    h, w = size
    top = (x.shape[-2] - h + 1) // 2
    left = (x.shape[-1] - w + 1) // 2
    return x[..., top:top + h, left:left + w]
