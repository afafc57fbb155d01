"""forward devuelve una subclase de Tensor que dice ser igual a todo / forward returns a lying subclass.

expect: attack LeNet
"""


class _Liar(torch.Tensor):
    def __eq__(self, other):
        return True

    def allclose(self, *args, **kwargs):
        return True


class LeNet(LeNet):
    def forward(self, x):
        return torch.zeros(x.shape[0], self.fc3.out_features, dtype=x.dtype).as_subclass(_Liar)
