"""Average pooling en vez de max pooling en features / average instead of max pooling.

expect: bug vgg16
witness: features_of(vgg16, num_classes=3)
input: randn(1, 3, 32, 40)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    for index, layer in enumerate(model.features):
        if isinstance(layer, nn.MaxPool2d):
            model.features[index] = nn.AvgPool2d(2, 2)
    return model
