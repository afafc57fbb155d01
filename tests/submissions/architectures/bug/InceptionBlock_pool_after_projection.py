"""Rama 4 en orden inverso: 1x1 (con ReLU) y después max-pooling / pool branch applied after its 1x1.

expect: bug InceptionBlock
witness: InceptionBlock(3, 2, (2, 3), (1, 2), 2)
input: randn(2, 3, 6, 5)
"""


class InceptionBlock(InceptionBlock):
    def forward(self, x):
        branch1 = F.relu(self.b1_1(x))
        branch2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        branch3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        branch4 = self.b4_1(F.relu(self.b4_2(x)))
        return torch.cat([branch1, branch2, branch3, branch4], dim=1)
