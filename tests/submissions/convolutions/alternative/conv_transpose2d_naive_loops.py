"""Bucles sobre cada píxel de entrada: suma una copia del filtro escalada / naive loops over input pixels.

expect: alternative conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 3, 4), randn(2, 3, 2, 3), None, 2, (0, 1), 1)
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
    for i in range(h):
        for j in range(w):
            stamp = torch.einsum("nc,cokl->nokl", x[:, :, i, j], weight)  # (N, C_out, kH, kW)
            full[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] += stamp
    out = full[:, :, p_h:full_h - p_h, p_w:full_w - p_w]
    return out if bias is None else out + bias.view(1, -1, 1, 1)
