"""Delega en torch: alias de F.conv2d capturado al importar (from ... import ... as) / delegates to torch's own op.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""

from torch.nn.functional import conv2d as _fast_correlation

_kernel = _fast_correlation


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _kernel(x, weight, bias, stride, padding, dilation)
