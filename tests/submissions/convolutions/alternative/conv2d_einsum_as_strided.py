"""einsum sobre ventanas de as_strided / einsum over as_strided windows.

expect: alternative conv2d
witness: conv2d(randn(2, 3, 8, 7), randn(4, 3, 2, 3), randn(4), stride=(1, 2), padding='valid', dilation=(2, 1))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    c_out, c_in, k_h, k_w = weight.shape
    if x.dim() != 4 or x.shape[1] != c_in:
        raise RuntimeError("los canales de x no coinciden con los del filtro")
    (s_h, s_w), (d_h, d_w) = as_pair(stride), as_pair(dilation)
    if min(s_h, s_w, d_h, d_w) <= 0:
        raise RuntimeError("stride y dilation deben ser positivos")
    if padding == "same":
        if (s_h, s_w) != (1, 1):
            raise RuntimeError("'same' sólo con stride 1")
        t_h, t_w = d_h * (k_h - 1), d_w * (k_w - 1)
        x = F.pad(x, (t_w // 2, t_w - t_w // 2, t_h // 2, t_h - t_h // 2))
    elif padding != "valid":
        if isinstance(padding, str):
            raise RuntimeError(f"padding inválido {padding!r}")
        p_h, p_w = as_pair(padding)
        if min(p_h, p_w) < 0:
            raise RuntimeError("padding negativo")
        x = F.pad(x, (p_w, p_w, p_h, p_h))
    x = x.contiguous()
    n, _, h, w = x.shape
    out_h = (h - d_h * (k_h - 1) - 1) // s_h + 1
    out_w = (w - d_w * (k_w - 1) - 1) // s_w + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError("el filtro no cabe en la entrada")
    sn, sc, sh, sw = x.stride()
    windows = x.as_strided((n, c_in, out_h, out_w, k_h, k_w), (sn, sc, sh * s_h, sw * s_w, sh * d_h, sw * d_w))
    out = torch.einsum("ncijuv,ocuv->noij", windows, weight)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
