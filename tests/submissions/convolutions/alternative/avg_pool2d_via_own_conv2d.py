"""Promedio = conv2d propia con un filtro de unos / kH*kW, canal por canal / via the student's own conv2d.

expect: alternative avg_pool2d
witness: avg_pool2d(randn(2, 3, 8, 7), (2, 3), (3, 2), (1, 1))
"""


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    as_pair = lambda v: (v, v) if isinstance(v, int) else (v[0], v[1])  # noqa: E731
    (k_h, k_w) = as_pair(kernel_size)
    (p_h, p_w) = as_pair(padding)
    if x.dim() != 4 or min(k_h, k_w) <= 0 or not (0 <= p_h <= k_h // 2 and 0 <= p_w <= k_w // 2):
        raise RuntimeError("argumentos inválidos para avg_pool2d")
    n, c, h, w = x.shape
    ones = x.new_full((1, 1, k_h, k_w), 1.0 / (k_h * k_w))
    out = conv2d(x.reshape(n * c, 1, h, w), ones, None, kernel_size if stride is None else stride, (p_h, p_w))
    return out.reshape(n, c, out.shape[2], out.shape[3])
