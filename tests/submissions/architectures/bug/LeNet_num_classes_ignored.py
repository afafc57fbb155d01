"""fc3 siempre con 10 salidas (ignora num_classes) / num_classes ignored.

expect: bug LeNet
witness: LeNet(num_classes=4)
input: randn(3, 1, 28, 28)
"""


class LeNet(LeNet):
    def __init__(self, num_classes=10):
        super().__init__(10)
