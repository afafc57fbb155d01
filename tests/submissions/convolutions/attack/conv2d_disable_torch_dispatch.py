"""Apaga el despacho a Python (torch._C._DisableTorchDispatch) y llama a F.conv2d / disables Python dispatch.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    with torch._C._DisableTorchDispatch():
        return F.conv2d(x, weight, bias, stride, padding, dilation)
