"""Dropout con p=0.7 (el de los clasificadores auxiliares) en vez de 0.4 / the auxiliary heads' rate.

expect: bug GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(2, 3, 9, 11)
"""


class GoogLeNet(GoogLeNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.dropout = nn.Dropout(p=0.7)
