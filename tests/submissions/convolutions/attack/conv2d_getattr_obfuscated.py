"""Delega en torch: getattr con el nombre armado en partes / delegates to torch's own op.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    op = getattr(torch, "con" + "v" + str(2) + "d")
    return op(x, weight, bias, stride, padding, dilation)
