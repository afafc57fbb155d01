"""Bucle infinito dentro de la llamada / infinite loop inside the call.

expect: attack conv2d
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    while True:
        pass
