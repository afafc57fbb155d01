"""conv1 siempre con 3 canales de entrada / in_channels ignored.

expect: bug ResNet18
witness: ResNet18(num_classes=5, in_channels=1)
input: randn(2, 1, 40, 32)
"""


class ResNet18(ResNet18):
    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__(num_classes, 3)
