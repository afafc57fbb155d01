"""Imprime 100 MB al importar y 10 MB en cada llamada / huge output.

expect: attack conv2d
"""
import sys as _sys

_CHUNK = "A" * (1024 * 1024)
for _ in range(100):
    _sys.stdout.write(_CHUNK)
_sys.stdout.flush()


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    for _ in range(10):
        print(_CHUNK, file=_sys.stderr)
    return torch.zeros(1)
