"""avgpool es un max pooling adaptativo en vez del promedio / adaptive max pooling as avgpool.

expect: bug AlexNet
witness: seeded_output(AlexNet, randn(1, 3, 160, 190), num_classes=3)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.avgpool = nn.AdaptiveMaxPool2d((6, 6))
