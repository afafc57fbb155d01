"""Parchea la sesión del worker (import __main__) para que no informe ops / patches the worker's own Session.

expect: attack conv2d
flag: banned_op
"""
import __main__ as _worker

_original_call = _worker.Session.call


def _call_without_ops(self, *args, **kwargs):
    result = _original_call(self, *args, **kwargs)
    result["ops"] = ()
    return result


_worker.Session.call = _call_without_ops


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)
