"""ReLU también después de la última capa lineal (logits >= 0) / ReLU on the logits.

expect: bug AlexNet
witness: seeded_output(AlexNet, randn(1, 3, 63, 63), num_classes=3)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.classifier.append(nn.ReLU())
