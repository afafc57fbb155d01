"""Módulo 4a con las columnas 3x3 y 5x5 intercambiadas / 4a with the 3x3 and 5x5 columns swapped.

expect: bug GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(2, 3, 9, 11)
"""


class GoogLeNet(GoogLeNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.inception4a = InceptionBlock(480, 192, (16, 48), (96, 208), 64)
