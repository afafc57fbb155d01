"""Devuelve una subclase de Tensor cuyo __eq__, allclose y shape mienten / a lying tensor subclass.

expect: attack conv2d
"""


class _Liar(torch.Tensor):
    def __eq__(self, other):
        return True

    def allclose(self, *args, **kwargs):
        return True

    def equal(self, *args, **kwargs):
        return True

    def __array__(self, dtype=None, copy=None):
        raise TypeError("no me conviertas")

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return torch.zeros(x.shape[0], weight.shape[0], 2, 2, dtype=x.dtype).as_subclass(_Liar)
