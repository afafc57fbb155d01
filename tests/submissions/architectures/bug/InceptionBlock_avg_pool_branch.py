"""Rama 4 con average-pooling en vez de max-pooling / average pooling in the fourth branch.

expect: bug InceptionBlock
witness: InceptionBlock(3, 2, (2, 3), (1, 2), 2)
input: randn(2, 3, 6, 5)
"""


class InceptionBlock(InceptionBlock):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__(in_channels, c1, c2, c3, c4)
        self.b4_1 = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)
