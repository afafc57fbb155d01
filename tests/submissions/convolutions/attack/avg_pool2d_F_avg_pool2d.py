"""Delega en torch: F.avg_pool2d / delegates to torch's own op.

expect: attack avg_pool2d
flag: banned_op
witness: avg_pool2d(randn(2, 3, 7, 6), 3, 2, 1)
"""


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return F.avg_pool2d(x, kernel_size, stride, padding)
