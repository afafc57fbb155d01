"""Ventanas con Tensor.unfold en cada eje y máximo / windows via Tensor.unfold on each axis.

expect: alternative max_pool2d
witness: max_pool2d(randn(2, 2, 9, 8) - 1, (2, 4), None, (1, 2))
"""


def max_pool2d(x, kernel_size, stride=None, padding=0):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    (k_h, k_w) = as_pair(kernel_size)
    (s_h, s_w) = as_pair(kernel_size if stride is None else stride)
    (p_h, p_w) = as_pair(padding)
    if x.dim() != 4 or min(k_h, k_w, s_h, s_w) <= 0 or not (0 <= p_h <= k_h // 2 and 0 <= p_w <= k_w // 2):
        raise RuntimeError("argumentos inválidos para max_pool2d")
    if x.shape[2] + 2 * p_h < k_h or x.shape[3] + 2 * p_w < k_w:
        raise RuntimeError("la ventana no cabe en la entrada")
    xp = F.pad(x, (p_w, p_w, p_h, p_h), value=-math.inf)
    windows = xp.unfold(2, k_h, s_h).unfold(3, k_w, s_w)  # (N, C, H_out, W_out, kH, kW)
    return windows.amax(dim=(-2, -1))
