"""ReLU como módulo (nn.ReLU) y ramas escritas con una lista / module ReLU, branches as a list.

expect: alternative InceptionBlock
witness: InceptionBlock(3, 2, (2, 3), (1, 2), 2)
input: randn(2, 3, 6, 5)
"""


class InceptionBlock(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        self.b1_1 = nn.Conv2d(in_channels, c1, 1)
        self.b2_1 = nn.Conv2d(in_channels, c2[0], 1)
        self.b2_2 = nn.Conv2d(c2[0], c2[1], 3, padding=1)
        self.b3_1 = nn.Conv2d(in_channels, c3[0], 1)
        self.b3_2 = nn.Conv2d(c3[0], c3[1], 5, padding=2)
        self.b4_1 = nn.MaxPool2d(3, stride=1, padding=1)
        self.b4_2 = nn.Conv2d(in_channels, c4, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        r = self.relu
        branches = [
            r(self.b1_1(x)),
            r(self.b2_2(r(self.b2_1(x)))),
            r(self.b3_2(r(self.b3_1(x)))),
            r(self.b4_2(self.b4_1(x))),
        ]
        return torch.cat(branches, 1)
