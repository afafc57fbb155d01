"""Agrega BatchNorm (no está en el paper de U-Net) / adds batch norm the U-Net paper does not have.

expect: bug DoubleConv
witness: DoubleConv(2, 3)
input: randn(2, 2, 7, 6)
"""


class DoubleConv(DoubleConv):
    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__(in_channels, out_channels, padding)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))
