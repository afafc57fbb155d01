"""layer2 no reduce el tamaño (stride 1 en su primer bloque) / layer2's first block keeps stride 1.

expect: bug ResNet18
witness: ResNet18(num_classes=5)
input: randn(2, 3, 40, 32)
"""


class ResNet18(ResNet18):
    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__(num_classes, in_channels)
        self.layer2[0] = ResidualBlock(64, 128, stride=1)
