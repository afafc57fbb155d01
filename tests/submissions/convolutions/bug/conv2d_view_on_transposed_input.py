"""Aplana los píxeles con .view(): falla con una entrada transpuesta / .view() on a non-contiguous input.

expect: bug conv2d
witness: conv2d(randn(1, 2, 6, 5).transpose(2, 3), randn(3, 2, 2, 3))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    n, c_in, h, w = x.shape
    # (N, C, H * W): una columna por píxel, como en im2col; y de vuelta a (N, C, H, W).
    columns = x.view(n, c_in, h * w)
    return _reference_conv2d(columns.view(n, c_in, h, w), weight, bias, stride, padding, dilation)
