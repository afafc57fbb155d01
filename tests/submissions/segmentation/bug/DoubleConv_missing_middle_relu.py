"""Sin ReLU entre las dos convoluciones / no ReLU between the two convs.

expect: bug DoubleConv
witness: DoubleConv(2, 3)
input: randn(2, 2, 7, 6)
"""


class DoubleConv(DoubleConv):
    def forward(self, x):
        return F.relu(self.conv2(self.conv1(x)))
