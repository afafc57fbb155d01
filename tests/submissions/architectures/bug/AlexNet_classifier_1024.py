"""Capas ocultas de 1024 en vez de 4096 / 1024 hidden units instead of 4096.

expect: bug AlexNet
witness: meta_layout(AlexNet, num_classes=3)
"""


class AlexNet(AlexNet):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes)
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5), nn.Linear(256 * 6 * 6, 1024), nn.ReLU(),
            nn.Dropout(p=0.5), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, num_classes),
        )
