"""El bias se suma sobre el eje de alto, no el de canales / bias broadcast along the height axis.

expect: bug conv2d
witness: conv2d(randn(1, 2, 5, 6), randn(3, 2, 3, 3), randn(3))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    out = _reference_conv2d(x, weight, None, stride, padding, dilation)
    if bias is not None:
        out = out + bias.reshape(1, 1, -1, 1)  # shapes only line up when H_out == C_out
    return out
