"""Max-pooling 3x3 con paso 2 pero sin relleno / the stride-2 poolings without padding.

expect: bug GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(1, 3, 16, 16)
"""


class GoogLeNet(GoogLeNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        for name in ("maxpool1", "maxpool2", "maxpool3", "maxpool4"):
            setattr(self, name, nn.MaxPool2d(kernel_size=3, stride=2))
