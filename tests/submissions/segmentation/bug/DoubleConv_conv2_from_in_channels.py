"""conv2 parte de in_channels en vez de out_channels / second conv built from the input channels.

expect: bug DoubleConv
costs: UNet (with in_channels != out_channels it raises, and so does UNet: nothing to compare)
witness: DoubleConv(2, 3)
input: randn(2, 2, 7, 6)
"""


class DoubleConv(DoubleConv):
    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__(in_channels, out_channels, padding)
        self.conv2 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=padding)
