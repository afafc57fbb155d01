"""inception3b recibe 192 canales (los de la entrada de 3a) y no 256 / 3b fed 3a's input width.

expect: bug GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(2, 3, 9, 11)
"""


class GoogLeNet(GoogLeNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.inception3b = InceptionBlock(192, 128, (128, 192), (32, 96), 64)
