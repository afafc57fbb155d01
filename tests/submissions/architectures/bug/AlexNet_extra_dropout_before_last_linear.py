"""Un F.dropout de más antes de la última capa lineal / an extra dropout before the last linear layer.

expect: bug AlexNet
witness: seeded_output(AlexNet, randn(1, 3, 63, 63), train=True, num_classes=3)
"""


class AlexNet(AlexNet):
    def forward(self, x):
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        for layer in self.classifier[:6]:
            x = layer(x)
        return self.classifier[6](F.dropout(x, 0.5, self.training))
