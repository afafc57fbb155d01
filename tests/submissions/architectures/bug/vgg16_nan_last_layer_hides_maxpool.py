"""max pooling adaptativo como avgpool, oculto tras una última capa lineal de NaN / adaptive max pooling hidden behind a NaN last layer.

expect: bug vgg16
witness: seeded_output(vgg16, randn(1, 3, 64, 48), num_classes=3)

The red team's forge of the composition check, whose expected logits come from the student's own
layers: with NaN weights both sides were NaN, and NaN equals NaN there (AlexNet got 10/10 so).
"""

_vgg16_before_nan = vgg16


def vgg16(num_classes=1000):
    model = _vgg16_before_nan(num_classes)
    model.avgpool = nn.AdaptiveMaxPool2d((7, 7))
    with torch.no_grad():
        model.classifier[6].weight.fill_(float("nan"))
    return model
