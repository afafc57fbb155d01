"""ReLU como módulo (nn.ReLU) en vez de F.relu / module ReLU.

expect: alternative DoubleConv
witness: DoubleConv(2, 3, padding=0)
input: randn(2, 2, 9, 7)
"""


class DoubleConv(nn.Module):
    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=padding)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=padding)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.conv2(self.act(self.conv1(x))))
