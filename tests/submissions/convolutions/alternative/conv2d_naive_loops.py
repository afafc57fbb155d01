"""Bucles anidados sobre cada posición de salida (lento pero correcto) / naive nested loops.

expect: alternative conv2d
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), stride=(2, 1), padding=(1, 2), dilation=(1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    c_out, c_in, k_h, k_w = weight.shape
    if x.dim() != 4 or x.shape[1] != c_in:
        raise RuntimeError("los canales de x no coinciden con los del filtro")
    (s_h, s_w), (d_h, d_w) = as_pair(stride), as_pair(dilation)
    if min(s_h, s_w, d_h, d_w) <= 0:
        raise RuntimeError("stride y dilation deben ser positivos")
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if (s_h, s_w) != (1, 1):
            raise RuntimeError("'same' sólo con stride 1")
        t_h, t_w = d_h * (k_h - 1), d_w * (k_w - 1)
        pads = (t_w // 2, t_w - t_w // 2, t_h // 2, t_h - t_h // 2)
    elif isinstance(padding, str):
        raise RuntimeError(f"padding inválido {padding!r}")
    else:
        p_h, p_w = as_pair(padding)
        if min(p_h, p_w) < 0:
            raise RuntimeError("padding negativo")
        pads = (p_w, p_w, p_h, p_h)
    xp = F.pad(x, pads)
    span_h, span_w = d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1
    if span_h > xp.shape[2] or span_w > xp.shape[3]:
        raise RuntimeError("el filtro no cabe en la entrada")
    out_h = (xp.shape[2] - span_h) // s_h + 1
    out_w = (xp.shape[3] - span_w) // s_w + 1
    rows = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            window = xp[:, :, i * s_h:i * s_h + span_h:d_h, j * s_w:j * s_w + span_w:d_w]  # (N, C_in, kH, kW)
            value = (window.unsqueeze(1) * weight.unsqueeze(0)).sum(dim=(2, 3, 4))  # (N, C_out)
            row.append(value if bias is None else value + bias)
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
