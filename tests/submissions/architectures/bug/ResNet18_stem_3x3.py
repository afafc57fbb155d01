"""conv1 de 3x3 (estilo CIFAR) en vez de 7x7 / a 3x3 stem conv.

expect: bug ResNet18
witness: ResNet18(num_classes=5)
input: randn(2, 3, 40, 32)
"""


class ResNet18(ResNet18):
    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__(num_classes, in_channels)
        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
