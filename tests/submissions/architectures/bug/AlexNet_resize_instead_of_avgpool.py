"""Redimensiona el mapa a 6x6 (vecino más cercano) en vez de promediar / resize instead of avgpool.

expect: bug AlexNet
witness: seeded_output(AlexNet, randn(1, 3, 160, 190), num_classes=3)
"""


class AlexNet(AlexNet):
    def forward(self, x):
        x = F.interpolate(self.features(x), size=(6, 6), mode="nearest")
        return self.classifier(torch.flatten(x, 1))
