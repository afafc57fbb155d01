"""Capas ocultas de 1024 en vez de 4096 / 1024 hidden units instead of 4096.

expect: bug vgg16
witness: meta_layout(vgg16, num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    model.classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 1024), nn.ReLU(), nn.Dropout(),
        nn.Linear(1024, 1024), nn.ReLU(), nn.Dropout(), nn.Linear(1024, num_classes),
    )
    return model
