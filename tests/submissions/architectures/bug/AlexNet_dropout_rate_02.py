"""Dropout con p=0.2 en vez de 0.5 / dropout rate 0.2 instead of 0.5.

expect: bug AlexNet
witness: seeded_output(AlexNet, randn(1, 3, 63, 63), train=True, num_classes=3)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.classifier[0] = nn.Dropout(p=0.2)
        self.classifier[3] = nn.Dropout(p=0.2)
