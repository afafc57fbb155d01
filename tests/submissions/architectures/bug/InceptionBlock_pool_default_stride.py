"""nn.MaxPool2d(3, padding=1) sin stride=1: el stride por defecto es 3 / pooling stride left at its default.

expect: bug InceptionBlock
witness: InceptionBlock(3, 2, (2, 3), (1, 2), 2)
input: randn(2, 3, 6, 5)
"""


class InceptionBlock(InceptionBlock):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__(in_channels, c1, c2, c3, c4)
        self.b4_1 = nn.MaxPool2d(kernel_size=3, padding=1)
