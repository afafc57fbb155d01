"""sys.exit(0) dentro de la llamada / sys.exit(0) inside the call.

expect: attack conv2d
"""
import sys as _sys


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    _sys.exit(0)
