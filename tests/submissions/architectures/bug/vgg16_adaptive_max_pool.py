"""avgpool es un max pooling adaptativo en vez del promedio / adaptive max pooling as avgpool.

expect: bug vgg16
witness: seeded_output(vgg16, randn(1, 3, 64, 48), num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    model.avgpool = nn.AdaptiveMaxPool2d((7, 7))
    return model
