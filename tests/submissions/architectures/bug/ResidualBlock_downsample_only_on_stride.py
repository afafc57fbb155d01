"""Crea el atajo sólo si stride != 1 (olvida el cambio de canales) / downsample only when strided.

expect: bug ResidualBlock
witness: ResidualBlock(3, 5)
input: randn(2, 3, 6, 5)
"""


class ResidualBlock(ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        if stride == 1:
            self.downsample = None
