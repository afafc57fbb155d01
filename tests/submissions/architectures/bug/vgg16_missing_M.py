"""Falta la 'M' (max-pooling) después del bloque de 256 / a missing 'M' in the configuration.

expect: bug vgg16
witness: meta_layout(vgg16, num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    config = [64, 64, "M", 128, 128, "M", 256, 256, 256, 512, 512, 512, "M", 512, 512, 512, "M"]
    layers, in_channels = [], 3
    for value in config:
        if value == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(in_channels, value, 3, padding=1), nn.ReLU()]
            in_channels = value
    model = _reference_vgg16(num_classes)
    model.features = nn.Sequential(*layers)
    return model
