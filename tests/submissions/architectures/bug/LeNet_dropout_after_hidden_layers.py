"""nn.Dropout(0.5) después de fc1 y fc2, que el enunciado no tiene / dropout the statement does not have.

expect: bug LeNet
witness: LeNet()
input: randn(3, 1, 28, 28)
"""


class LeNet(LeNet):
    def __init__(self, num_classes=10):
        super().__init__(num_classes)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.drop(F.relu(self.fc1(x)))
        x = self.drop(F.relu(self.fc2(x)))
        return self.fc3(x)
