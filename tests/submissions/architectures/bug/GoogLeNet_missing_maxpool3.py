"""Falta maxpool3 entre 3b y 4a / maxpool3 is skipped.

expect: bug GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(2, 3, 9, 11)
"""


class GoogLeNet(GoogLeNet):
    def forward(self, x):
        x = self.maxpool1(F.relu(self.conv1(x)))
        x = F.relu(self.conv2(x))
        x = self.maxpool2(F.relu(self.conv3(x)))
        x = self.inception3b(self.inception3a(x))
        for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):
            x = block(x)
        x = self.maxpool4(x)
        x = self.inception5b(self.inception5a(x))
        return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
