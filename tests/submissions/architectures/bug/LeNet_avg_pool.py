"""Average-pooling en vez de max-pooling / average pooling instead of max pooling.

expect: bug LeNet
witness: LeNet()
input: randn(3, 1, 28, 28)
"""


class LeNet(LeNet):
    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
