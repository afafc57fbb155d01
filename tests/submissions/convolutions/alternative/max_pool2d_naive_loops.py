"""Bucles anidados sobre cada ventana / naive nested loops over every window.

expect: alternative max_pool2d
witness: max_pool2d(randn(2, 3, 7, 6) - 2, (3, 2), (2, 1), (1, 1))
"""


def max_pool2d(x, kernel_size, stride=None, padding=0):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    (k_h, k_w) = as_pair(kernel_size)
    (s_h, s_w) = as_pair(kernel_size if stride is None else stride)
    (p_h, p_w) = as_pair(padding)
    if x.dim() != 4 or min(k_h, k_w, s_h, s_w) <= 0 or not (0 <= p_h <= k_h // 2 and 0 <= p_w <= k_w // 2):
        raise RuntimeError("argumentos inválidos para max_pool2d")
    xp = F.pad(x, (p_w, p_w, p_h, p_h), value=float("-inf"))
    out_h = (xp.shape[2] - k_h) // s_h + 1
    out_w = (xp.shape[3] - k_w) // s_w + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError("la ventana no cabe en la entrada")
    rows = []
    for i in range(out_h):
        row = [xp[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].amax(dim=(2, 3)) for j in range(out_w)]
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
