"""ReLU antes de la suma con el atajo (y no después) / ReLU before the addition instead of after.

expect: bug ResidualBlock
witness: ResidualBlock(3, 4, stride=2)
input: randn(2, 3, 7, 6)
"""


class ResidualBlock(ResidualBlock):
    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out))) + identity
