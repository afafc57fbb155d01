"""Delega en torch: un nn.AvgPool2d dentro de la función / delegates to torch's own op.

expect: attack avg_pool2d
flag: banned_op
witness: avg_pool2d(randn(2, 3, 7, 6), 3, 2, 1)
"""


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return nn.AvgPool2d(kernel_size, stride, padding)(x)
