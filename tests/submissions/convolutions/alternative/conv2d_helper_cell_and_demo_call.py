"""Ayudantes en una celda propia y una llamada de prueba suelta con un dato de ejemplo / helpers in their own cell and a leftover demo call.

expect: alternative conv2d
witness: conv2d(randn(2, 3, 6, 5), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""
# What the graded notebook looks like: the helpers sit in a cell above the solution cell, and a
# test line the student left behind uses `_x_de_ejemplo` from an example cell. Only definitions
# count when grading (autograder/grading/extraction.py): the demo lines never run, and the
# helpers are found. The arithmetic is the reference's (this entry tests the extraction).
_conv2d_de_clase = conv2d


def _como_par(valor):
    return (valor, valor) if isinstance(valor, int) else tuple(valor)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _conv2d_de_clase(x, weight, bias, _como_par(stride), padding, _como_par(dilation))


_x_de_ejemplo = torch.arange(16.0).reshape(1, 1, 4, 4)
print(conv2d(_x_de_ejemplo, torch.ones(1, 1, 2, 2)).shape)
