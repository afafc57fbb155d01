"""Valida exactamente lo que lista el enunciado, nada más; suma desplazamientos / validates only the listed cases.

expect: alternative conv2d
witness: conv2d(randn(2, 3, 7, 6).transpose(2, 3), randn(2, 3, 2, 3), randn(2), stride=(2, 1), padding=1, dilation=(1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    c_out, c_in, k_h, k_w = weight.shape
    if x.shape[1] != c_in:
        raise RuntimeError("los canales de x y de weight no coinciden")
    (s_h, s_w), (d_h, d_w) = two(stride), two(dilation)
    if s_h <= 0 or s_w <= 0:
        raise RuntimeError("stride no positivo")
    if d_h <= 0 or d_w <= 0:
        raise RuntimeError("dilation no positiva")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError("padding es un texto distinto de 'same' y 'valid'")
        if padding == "same" and (s_h, s_w) != (1, 1):
            raise RuntimeError("padding='same' con stride > 1")
        t_h, t_w = (d_h * (k_h - 1), d_w * (k_w - 1)) if padding == "same" else (0, 0)
        pads = (t_w // 2, t_w - t_w // 2, t_h // 2, t_h - t_h // 2)
    else:
        p_h, p_w = two(padding)
        if p_h < 0 or p_w < 0:
            raise RuntimeError("padding negativo")
        pads = (p_w, p_w, p_h, p_h)
    x = F.pad(x, pads)
    span_h, span_w = d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1
    if span_h > x.shape[2] or span_w > x.shape[3]:
        raise RuntimeError("el filtro (dilatado) no cabe en la entrada rellenada")
    out_h = (x.shape[2] - span_h) // s_h + 1
    out_w = (x.shape[3] - span_w) // s_w + 1
    out = 0
    for u in range(k_h):  # cada celda del filtro: una ventana desplazada de toda la imagen
        for v in range(k_w):
            shifted = x[:, :, u * d_h: u * d_h + (out_h - 1) * s_h + 1: s_h, v * d_w: v * d_w + (out_w - 1) * s_w + 1: s_w]
            out = out + torch.einsum("nchw,oc->nohw", shifted, weight[:, :, u, v])
    return out if bias is None else out + bias[None, :, None, None]
