"""GoogLeNet con los poolings en forward (F.max_pool2d, promedio con mean) / functional pooling.

expect: alternative GoogLeNet
witness: GoogLeNet(num_classes=3)
input: randn(2, 3, 9, 11)
"""


class GoogLeNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3)
        self.conv2 = nn.Conv2d(64, 64, 1)
        self.conv3 = nn.Conv2d(64, 192, 3, padding=1)
        self.inception3a = InceptionBlock(192, 64, (96, 128), (16, 32), 32)
        self.inception3b = InceptionBlock(256, 128, (128, 192), (32, 96), 64)
        self.inception4a = InceptionBlock(480, 192, (96, 208), (16, 48), 64)
        self.inception4b = InceptionBlock(512, 160, (112, 224), (24, 64), 64)
        self.inception4c = InceptionBlock(512, 128, (128, 256), (24, 64), 64)
        self.inception4d = InceptionBlock(512, 112, (144, 288), (32, 64), 64)
        self.inception4e = InceptionBlock(528, 256, (160, 320), (32, 128), 128)
        self.inception5a = InceptionBlock(832, 256, (160, 320), (32, 128), 128)
        self.inception5b = InceptionBlock(832, 384, (192, 384), (48, 128), 128)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x):
        def pool(t):
            return F.max_pool2d(t, kernel_size=3, stride=2, padding=1)

        x = pool(F.relu(self.conv1(x)))
        x = pool(F.relu(self.conv3(F.relu(self.conv2(x)))))
        x = pool(self.inception3b(self.inception3a(x)))
        x = pool(self.inception4e(self.inception4d(self.inception4c(self.inception4b(self.inception4a(x))))))
        x = self.inception5b(self.inception5a(x))
        return self.fc(self.dropout(x.mean(dim=(2, 3))))
