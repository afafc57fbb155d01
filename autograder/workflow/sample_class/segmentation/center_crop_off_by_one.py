def center_crop(x, size):
    # Error típico: redondea hacia arriba el margen superior e izquierdo (descentrado en 1).
    h, w = size
    top = (x.shape[-2] - h + 1) // 2
    left = (x.shape[-1] - w + 1) // 2
    return x[..., top : top + h, left : left + w]
