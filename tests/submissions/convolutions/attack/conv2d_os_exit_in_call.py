"""os._exit(0) dentro de la llamada: el worker muere / os._exit(0) inside the call kills the worker.

expect: attack conv2d
"""
import os as _os


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    _os._exit(0)
