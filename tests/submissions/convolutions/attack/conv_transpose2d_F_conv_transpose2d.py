"""Delega en torch: F.conv_transpose2d / delegates to torch's own op.

expect: attack conv_transpose2d
flag: banned_op
witness: conv_transpose2d(randn(2, 3, 4, 5), randn(3, 2, 3, 2), randn(2), 2, 1, 1)
"""


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    return F.conv_transpose2d(x, weight, bias, stride, padding, output_padding)
