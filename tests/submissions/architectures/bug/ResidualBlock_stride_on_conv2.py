"""El stride va en conv2 en vez de conv1 / stride applied in the second conv.

expect: bug ResidualBlock
witness: ResidualBlock(3, 4, stride=2)
input: randn(2, 3, 7, 6)
"""


class ResidualBlock(ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        self.conv1.stride = (1, 1)
        self.conv2.stride = (stride, stride)
