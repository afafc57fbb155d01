"""Devuelve un tensor perezoso que calcula F.conv2d cuando el worker lo lee, fuera del registro / computes after the recording window.

expect: attack conv2d
flag: banned_op
"""
from torch.utils._pytree import tree_map as _tree_map


class _Lazy(torch.Tensor):
    @staticmethod
    def __new__(cls, thunk, shape, dtype):
        return torch.Tensor._make_wrapper_subclass(cls, shape, dtype=dtype)

    def __init__(self, thunk, shape, dtype):
        self.thunk = thunk

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        unwrap = lambda t: t.thunk() if isinstance(t, _Lazy) else t  # noqa: E731
        return func(*_tree_map(unwrap, args), **_tree_map(unwrap, kwargs or {}))


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    args = (x.detach(), weight.detach(), None if bias is None else bias.detach())
    shape = torch.empty(0)  # the output shape, computed without a convolution
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    ph, pw = pair(padding) if not isinstance(padding, str) else (0, 0)
    kh, kw = weight.shape[2:]
    shape = (x.shape[0], weight.shape[0], (x.shape[2] + 2 * ph - dh * (kh - 1) - 1) // sh + 1,
             (x.shape[3] + 2 * pw - dw * (kw - 1) - 1) // sw + 1)
    return _Lazy(lambda: F.conv2d(*args, stride, padding, dilation), shape, x.dtype)
