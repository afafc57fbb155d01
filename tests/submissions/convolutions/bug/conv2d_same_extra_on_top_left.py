"""'same' con relleno impar: la fila/columna extra va arriba/izquierda / odd 'same' padding on the wrong side.

expect: bug conv2d
witness: conv2d(randn(1, 2, 5, 6), randn(2, 2, 2, 4), padding='same')
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    if padding == "same":
        d_h, d_w = (dilation, dilation) if isinstance(dilation, int) else dilation
        total_h, total_w = d_h * (weight.shape[2] - 1), d_w * (weight.shape[3] - 1)
        top, left = total_h - total_h // 2, total_w - total_w // 2  # ceil: the extra goes first
        x = F.pad(x, (left, total_w - left, top, total_h - top))
        padding = 0
    return _reference_conv2d(x, weight, bias, stride, padding, dilation)
