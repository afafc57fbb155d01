"""Concatena las ramas en otro orden (3x3 antes que 1x1) / branches concatenated in the wrong order.

expect: bug InceptionBlock
witness: InceptionBlock(3, 2, (2, 3), (1, 2), 2)
input: randn(2, 3, 6, 5)
"""


class InceptionBlock(InceptionBlock):
    def forward(self, x):
        branch1 = F.relu(self.b1_1(x))
        branch2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        branch3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        branch4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat([branch2, branch1, branch3, branch4], dim=1)
