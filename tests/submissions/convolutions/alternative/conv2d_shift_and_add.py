"""Suma de desplazamientos: un producto matricial por cada celda del filtro / shift-and-add matmuls.

expect: alternative conv2d
witness: conv2d(randn(2, 2, 6, 7), randn(3, 2, 2, 2), randn(3), padding='same', dilation=(1, 3))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    c_out, c_in, k_h, k_w = weight.shape
    if x.dim() != 4 or x.shape[1] != c_in:
        raise RuntimeError("los canales de x no coinciden con los del filtro")
    (s_h, s_w), (d_h, d_w) = as_pair(stride), as_pair(dilation)
    if min(s_h, s_w, d_h, d_w) <= 0:
        raise RuntimeError("stride y dilation deben ser positivos")
    if isinstance(padding, str):
        if padding not in ("same", "valid") or (padding == "same" and (s_h, s_w) != (1, 1)):
            raise RuntimeError(f"padding inválido {padding!r}")
        t_h, t_w = (d_h * (k_h - 1), d_w * (k_w - 1)) if padding == "same" else (0, 0)
        pads = (t_w // 2, t_w - t_w // 2, t_h // 2, t_h - t_h // 2)
    else:
        p_h, p_w = as_pair(padding)
        if min(p_h, p_w) < 0:
            raise RuntimeError("padding negativo")
        pads = (p_w, p_w, p_h, p_h)
    x = F.pad(x, pads)
    out_h = (x.shape[2] - d_h * (k_h - 1) - 1) // s_h + 1
    out_w = (x.shape[3] - d_w * (k_w - 1) - 1) // s_w + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError("el filtro no cabe en la entrada")
    out = 0
    for u in range(k_h):
        for v in range(k_w):
            shifted = x[:, :, u * d_h::s_h, v * d_w::s_w][:, :, :out_h, :out_w]  # (N, C_in, H_out, W_out)
            out = out + torch.einsum("nchw,oc->nohw", shifted, weight[:, :, u, v])
    return out if bias is None else out + bias[None, :, None, None]
