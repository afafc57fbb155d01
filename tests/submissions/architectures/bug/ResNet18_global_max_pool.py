"""Máximo global en vez de promedio global antes de fc / global max pooling instead of average.

expect: bug ResNet18
witness: ResNet18(num_classes=5)
input: randn(2, 3, 40, 32)
"""


class ResNet18(ResNet18):
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.amax(dim=(2, 3)))
