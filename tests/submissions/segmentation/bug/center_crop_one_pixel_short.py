"""Off-by-one: recorta h - 1 filas y w - 1 columnas / crops one pixel short on each axis.

expect: bug center_crop
costs: UNet (a crop of the wrong size makes torch.cat in UNet raise: nothing to compare)
witness: center_crop(randn(1, 2, 9, 8), (5, 4))
"""


def center_crop(x, size):
    h, w = size
    top = (x.shape[-2] - h) // 2
    left = (x.shape[-1] - w) // 2
    return x[..., top + 1:top + h, left + 1:left + w]
