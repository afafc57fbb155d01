"""Falta la ReLU tras bn1 en la entrada / missing ReLU after the stem's BatchNorm.

expect: bug ResNet18
witness: ResNet18(num_classes=5)
input: randn(2, 3, 40, 32)
"""


class ResNet18(ResNet18):
    def forward(self, x):
        x = F.max_pool2d(self.bn1(self.conv1(x)), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
