"""Convoluciones 3x3 sin relleno (padding=0) / 3x3 convolutions without padding.

expect: bug vgg16
witness: features_of(vgg16, num_classes=3)
input: randn(1, 3, 64, 64)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    for index, layer in enumerate(model.features):
        if isinstance(layer, nn.Conv2d):
            model.features[index] = nn.Conv2d(layer.in_channels, layer.out_channels, 3)
    return model
