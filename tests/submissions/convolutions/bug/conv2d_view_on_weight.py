"""Aplana los filtros con .view(): falla con un weight no contiguo / .view() on a non-contiguous weight.

expect: bug conv2d
witness: conv2d(randn(1, 2, 6, 5), randn(3, 2, 3, 2).transpose(2, 3))
"""
_reference_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    c_out = weight.shape[0]
    flat = weight.view(c_out, -1)  # (C_out, C_in * kH * kW), como en im2col
    return _reference_conv2d(x, flat.view(weight.shape), bias, stride, padding, dilation)
