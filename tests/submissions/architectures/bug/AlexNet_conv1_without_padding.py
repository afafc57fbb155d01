"""Primera convolución sin relleno (padding=0 en vez de 2) / first convolution without padding.

expect: bug AlexNet
witness: features_of(AlexNet, num_classes=3)
input: randn(1, 3, 100, 120)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.features[0] = nn.Conv2d(3, 64, kernel_size=11, stride=4)
