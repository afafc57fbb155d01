"""Delega en torch: torch.ops.aten.convolution directamente / delegates to torch's own op.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    pair = lambda v: [v, v] if isinstance(v, int) else list(v)  # noqa: E731
    if isinstance(padding, str):
        return F.conv2d(x, weight, bias, stride, padding, dilation)
    return torch.ops.aten.convolution(x, weight, bias, pair(stride), pair(padding), pair(dilation),
                                      False, [0, 0], 1)
