"""Rellena con un tensor float64 creado aparte: el resultado sale float64 / float64 padding promotes the result.

expect: bug max_pool2d
witness: max_pool2d(randn(1, 2, 5, 6).float(), 3, 2, 1)
"""
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    out = _reference_max_pool2d(x, kernel_size, stride, padding)
    return out + torch.zeros(out.shape, dtype=torch.float64)  # tensor auxiliar sin dtype=x.dtype
