"""Delega en torch: torch.max_pool2d / delegates to torch's own op.

expect: attack max_pool2d
flag: banned_op
witness: max_pool2d(randn(2, 3, 7, 6), 3, 2, 1)
"""


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return torch.max_pool2d(x, kernel_size, kernel_size if stride is None else stride, padding)
