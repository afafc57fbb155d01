"""bn2 (y el BatchNorm del atajo) con momentum 0.01 en vez del 0.1 de nn.BatchNorm2d / bn2 momentum 0.01.

expect: bug ResidualBlock
witness: ResidualBlock(2, 4, stride=2)
input: randn(2, 2, 6, 5)
costs: ResNet18 (its blocks' running statistics after a train-mode forward are not the statement's)
"""


class ResidualBlock(ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        self.bn2 = nn.BatchNorm2d(out_channels, momentum=0.01)
        if self.downsample is not None:
            self.downsample[1] = nn.BatchNorm2d(out_channels, momentum=0.01)
