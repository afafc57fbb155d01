"""Saca el modo de despacho de la pila y llama a F.conv2d / pops the dispatch-mode stack, then F.conv2d.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    popped = []
    while torch._C._len_torch_dispatch_stack() > 0:
        popped.append(torch._C._pop_torch_dispatch_stack(None))
    try:
        return F.conv2d(x, weight, bias, stride, padding, dilation)
    finally:
        for mode in reversed(popped):
            torch._C._push_on_torch_dispatch_stack(mode)
