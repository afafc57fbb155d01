"""Las DoubleConv ignoran el padding de la UNet (siempre 1) / padding not passed to DoubleConv.

expect: bug UNet
witness: UNet(1, 3, base_channels=2, depth=2, padding=0)
input: randn(2, 1, 44, 60)
"""


class UNet(UNet):
    def __init__(self, in_channels=1, num_classes=2, base_channels=64, depth=4, padding=1):
        super().__init__(in_channels, num_classes, base_channels, depth, 1)
