"""5x5 con padding 1: la rama 3 achica la imagen y el cat falla / 5x5 conv with padding 1.

expect: bug InceptionBlock
witness: InceptionBlock(3, 2, (2, 3), (1, 2), 2)
input: randn(2, 3, 6, 5)
"""


class InceptionBlock(InceptionBlock):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__(in_channels, c1, c2, c3, c4)
        self.b3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=1)
