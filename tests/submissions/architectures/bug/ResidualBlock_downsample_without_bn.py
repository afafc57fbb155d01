"""El atajo con stride no tiene BatchNorm / downsample shortcut missing its BatchNorm.

expect: bug ResidualBlock
witness: ResidualBlock(3, 4, stride=2)
input: randn(2, 3, 7, 6)
"""


class ResidualBlock(ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        if self.downsample is not None:
            self.downsample = nn.Sequential(self.downsample[0])
