"""Falta la ReLU final tras la suma / missing ReLU after the addition.

expect: bug ResidualBlock
witness: ResidualBlock(4, 4)
input: randn(2, 4, 5, 6)
"""


class ResidualBlock(ResidualBlock):
    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out)) + identity
