"""Recorte con Tensor.narrow / crop with Tensor.narrow.

expect: alternative center_crop
witness: center_crop(randn(2, 3, 11, 8), (4, 5))
"""


def center_crop(x, size):
    h, w = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    height, width = x.shape[-2], x.shape[-1]
    if h > height or w > width:
        raise ValueError("el recorte es más grande que la imagen")
    return x.narrow(-2, (height - h) // 2, h).narrow(-1, (width - w) // 2, w)
