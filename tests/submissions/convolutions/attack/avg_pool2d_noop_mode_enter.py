"""Convierte TorchDispatchMode.__enter__ en un no-op al importar: el registro nunca se instala / no-op mode enter.

expect: attack avg_pool2d
flag: banned_op
"""
from torch.utils._python_dispatch import TorchDispatchMode as _Mode

_Mode.__enter__ = lambda self: self
_Mode.__exit__ = lambda self, *exc: None


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return F.avg_pool2d(x, kernel_size, stride, padding)
