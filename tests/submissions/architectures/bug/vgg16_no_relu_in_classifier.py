"""classifier sin ReLU entre las capas lineales / no ReLU between the linear layers.

expect: bug vgg16
witness: meta_layout(vgg16, num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    model.classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.Dropout(), nn.Linear(4096, 4096), nn.Dropout(), nn.Linear(4096, num_classes),
    )
    return model
