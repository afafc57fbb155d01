"""Convoluciones sin bias / convolutions built with bias=False.

expect: bug DoubleConv
witness: DoubleConv(2, 3)
input: randn(2, 2, 7, 6)
"""


class DoubleConv(DoubleConv):
    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__(in_channels, out_channels, padding)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=padding, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=padding, bias=False)
