"""Importa solutions.architectures desde el repositorio y entrega su ResNet18 / imports the reference.

expect: attack ResNet18
needs: bubblewrap
"""
import sys as _sys

_sys.path[:0] = ["__GATE_OUTSIDE__", ".", "..", "/work/main"]


class ResNet18(nn.Module):
    def __new__(cls, *args, **kwargs):
        from solutions.architectures import ResNet18 as stolen
        return stolen(*args, **kwargs)
