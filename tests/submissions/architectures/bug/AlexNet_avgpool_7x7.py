"""avgpool a 7x7 (el de VGG) y la primera lineal con 256·7·7 entradas / VGG's 7x7 average pool.

expect: bug AlexNet
witness: meta_layout(AlexNet, num_classes=3)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier[1] = nn.Linear(256 * 7 * 7, 4096)
