"""VGG16 como clase propia, con dropout antes de la ReLU (equivalente) / its own class, dropout before ReLU.

expect: alternative vgg16
witness: seeded_output(vgg16, randn(2, 3, 64, 48), num_classes=3)
"""


class _VGG(nn.Module):
    def __init__(self, config, num_classes):
        super().__init__()
        layers, channels = [], 3
        for value in config:
            if value == "M":
                layers.append(nn.MaxPool2d(kernel_size=2))
                continue
            layers += [nn.Conv2d(channels, value, kernel_size=3, stride=1, padding=1), nn.ReLU(inplace=True)]
            channels = value
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(7)
        self.classifier = nn.Sequential(
            nn.Linear(25088, 4096), nn.Dropout(0.5), nn.ReLU(inplace=True),
            nn.Linear(4096, 4096), nn.Dropout(0.5), nn.ReLU(inplace=True), nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), start_dim=1))


def vgg16(num_classes=1000):
    d = [64, 64, "M", 128, 128, "M"] + [256] * 3 + ["M"] + ([512] * 3 + ["M"]) * 2
    return _VGG(d, num_classes)
