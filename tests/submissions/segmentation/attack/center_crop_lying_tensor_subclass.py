"""center_crop devuelve una subclase que miente en __eq__ y en su forma / a lying tensor subclass.

expect: attack center_crop
"""


class _Liar(torch.Tensor):
    def __eq__(self, other):
        return True

    @property
    def shape(self):
        return torch.Size([1])


def center_crop(x, size):
    return torch.zeros_like(x).as_subclass(_Liar)
