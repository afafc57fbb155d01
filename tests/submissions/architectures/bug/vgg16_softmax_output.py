"""Softmax al final de classifier (devuelve probabilidades, no logits) / softmax on the output.

expect: bug vgg16
witness: seeded_output(vgg16, randn(1, 3, 32, 32), num_classes=3)
"""

_reference_vgg16 = vgg16


def vgg16(num_classes=1000):
    model = _reference_vgg16(num_classes)
    model.classifier.append(nn.Softmax(dim=1))
    return model
