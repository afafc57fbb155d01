"""El atajo de layer3 usa stride 1: no calza con la rama principal / layer3's downsample keeps stride 1.

expect: bug ResNet18
witness: ResNet18(num_classes=5)
input: randn(2, 3, 40, 32)
"""


class ResNet18(ResNet18):
    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__(num_classes, in_channels)
        self.layer3[0].downsample[0].stride = (1, 1)
