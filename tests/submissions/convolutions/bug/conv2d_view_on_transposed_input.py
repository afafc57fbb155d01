"""Aplana lotes y canales con .view(): falla con una entrada transpuesta / .view() on a non-contiguous input.

expect: bug conv2d
witness: conv2d(randn(1, 2, 6, 5).transpose(2, 3), randn(3, 2, 2, 3))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    n, c_in, h, w = x.shape
    # Canal por canal: (N * C, 1, H, W) con view, y de vuelta a (N, C, H, W).
    per_channel = x.view(n * c_in, 1, h, w)
    return _reference_conv2d(per_channel.view(n, c_in, h, w), weight, bias, stride, padding, dilation)
