"""Siempre padding=1, ignora el argumento / padding argument ignored.

expect: bug DoubleConv
witness: DoubleConv(2, 3, padding=0)
input: randn(2, 2, 9, 8)
"""


class DoubleConv(DoubleConv):
    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__(in_channels, out_channels, 1)
