"""Siempre 1000 salidas (ignora num_classes) / num_classes ignored.

expect: bug AlexNet
witness: meta_layout(AlexNet, num_classes=3)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(1000)
