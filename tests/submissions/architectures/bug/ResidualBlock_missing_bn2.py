"""Olvida bn2 en forward / bn2 declared but never applied.

expect: bug ResidualBlock
witness: ResidualBlock(4, 4)
input: randn(2, 4, 5, 6)
costs: ResNet18 (its block has no bn2: the running statistics ResNet18's train-mode check reads are not there)
"""


class ResidualBlock(ResidualBlock):
    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.conv2(out) + identity)
