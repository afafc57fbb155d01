"""Siempre 1000 salidas (ignora num_classes) / num_classes ignored.

expect: bug vgg16
witness: meta_layout(vgg16, num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    return _reference_vgg16(1000)
