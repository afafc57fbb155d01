"""GoogLeNet con fc inicializada en cero (práctica común; el enunciado no fija la inicialización) / zero-initialised fc.

expect: alternative GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(2, 3, 9, 11)
"""


class GoogLeNet(GoogLeNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        nn.init.zeros_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)
