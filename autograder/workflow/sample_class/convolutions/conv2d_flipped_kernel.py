def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    # Error típico: invierte el filtro (convolución "de libro") en vez de la correlación cruzada.
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    kh, kw = weight.shape[-2:]
    if padding == "valid":
        ph = pw = 0
    elif padding == "same":
        ph, pw = dh * (kh - 1) // 2, dw * (kw - 1) // 2
    else:
        ph, pw = pair(padding)
    n, _, h, w = x.shape
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    flipped = weight.flip(-1, -2)
    cols = F.unfold(x, (kh, kw), dilation=(dh, dw), padding=(ph, pw), stride=(sh, sw))
    out = flipped.reshape(weight.shape[0], -1) @ cols
    if bias is not None:
        out = out + bias.reshape(1, -1, 1)
    return out.reshape(n, weight.shape[0], oh, ow)
