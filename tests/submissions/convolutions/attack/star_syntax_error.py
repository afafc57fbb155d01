"""Error de sintaxis (falta cerrar un paréntesis) / syntax error.

expect: attack *
status: load_error
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1:
    return x
