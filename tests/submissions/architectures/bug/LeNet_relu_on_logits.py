"""ReLU también sobre la última capa (logits no negativos) / ReLU applied to the logits.

expect: bug LeNet
witness: LeNet()
input: randn(3, 1, 28, 28)
"""


class LeNet(LeNet):
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.relu(self.fc3(x))
