"""Aplana en orden (H, W, C) como Keras / flattens channels-last (the Keras order).

expect: bug LeNet
witness: LeNet()
input: randn(3, 1, 28, 28)
"""


class LeNet(LeNet):
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
