"""Lee los filtros como (C_out, C_in) igual que en conv2d / weight read as (C_out, C_in, kH, kW).

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 3, 3, 4), randn(3, 3, 2, 3), randn(3), 2)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    return _reference_conv_transpose2d(x, weight.transpose(0, 1), bias, stride, padding, output_padding)
