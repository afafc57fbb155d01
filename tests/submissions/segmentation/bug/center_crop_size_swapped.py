"""Lee size como (ancho, alto) / reads size as (width, height).

expect: bug center_crop
costs: UNet (a crop of the wrong size makes torch.cat in UNet raise: nothing to compare)
witness: center_crop(randn(1, 2, 9, 8), (4, 6))
"""


def center_crop(x, size):
    w, h = size
    top = (x.shape[-2] - h) // 2
    left = (x.shape[-1] - w) // 2
    return x[..., top:top + h, left:left + w]
