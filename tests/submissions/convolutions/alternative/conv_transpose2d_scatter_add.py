"""Cada celda del filtro "pinta" la entrada escalada en la salida, con paso stride / scatter-add.

expect: alternative conv_transpose2d
witness: conv_transpose2d(randn(2, 3, 4, 3), randn(3, 2, 3, 2), randn(2), (2, 3), (1, 0), (1, 2))
"""


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    c_in, c_out, k_h, k_w = weight.shape
    (s_h, s_w), (p_h, p_w), (o_h, o_w) = as_pair(stride), as_pair(padding), as_pair(output_padding)
    if x.dim() != 4 or x.shape[1] != c_in or min(s_h, s_w) <= 0 or min(p_h, p_w, o_h, o_w) < 0:
        raise RuntimeError("argumentos inválidos para conv_transpose2d")
    if o_h >= s_h or o_w >= s_w:
        raise RuntimeError("output_padding debe ser menor que el stride")
    n, _, h, w = x.shape
    full_h, full_w = (h - 1) * s_h + k_h + o_h, (w - 1) * s_w + k_w + o_w
    if full_h - 2 * p_h <= 0 or full_w - 2 * p_w <= 0:
        raise RuntimeError("padding demasiado grande")
    full = x.new_zeros(n, c_out, full_h, full_w)
    for u in range(k_h):
        for v in range(k_w):
            contribution = torch.einsum("nchw,co->nohw", x, weight[:, :, u, v])
            full[:, :, u:u + (h - 1) * s_h + 1:s_h, v:v + (w - 1) * s_w + 1:s_w] += contribution
    out = full[:, :, p_h:full_h - p_h, p_w:full_w - p_w]
    return out if bias is None else out + bias.view(1, -1, 1, 1)
