"""Falta la ReLU final / missing the second ReLU.

expect: bug DoubleConv
witness: DoubleConv(2, 3)
input: randn(2, 2, 7, 6)
"""


class DoubleConv(DoubleConv):
    def forward(self, x):
        return self.conv2(F.relu(self.conv1(x)))
