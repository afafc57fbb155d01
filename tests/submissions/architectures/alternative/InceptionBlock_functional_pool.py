"""max-pooling funcional (F.max_pool2d) dentro del módulo / functional pooling inside the module.

expect: alternative InceptionBlock
witness: InceptionBlock(4, 3, (2, 2), (2, 1), 1)
input: randn(1, 4, 5, 7)
"""


class InceptionBlock(InceptionBlock):
    def forward(self, x):
        pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        return torch.cat([
            torch.relu(self.b1_1(x)),
            torch.relu(self.b2_2(torch.relu(self.b2_1(x)))),
            torch.relu(self.b3_2(torch.relu(self.b3_1(x)))),
            torch.relu(self.b4_2(pooled)),
        ], dim=1)
