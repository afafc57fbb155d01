"""conv1 con bias (los nombres del state_dict no calzan con torchvision) / conv1 keeps its bias.

expect: bug ResidualBlock
witness: ResidualBlock(3, 4, stride=2)
input: randn(2, 3, 7, 6)
"""


class ResidualBlock(ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
