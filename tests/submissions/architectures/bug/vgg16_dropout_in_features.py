"""Un nn.Dropout de más al final de features / an extra dropout at the end of features.

expect: bug vgg16
witness: seeded_output(vgg16, randn(1, 3, 32, 32), train=True, num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    model.features.append(nn.Dropout(0.5))
    return model
