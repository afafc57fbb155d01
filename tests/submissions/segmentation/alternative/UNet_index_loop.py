"""U-Net con bucles por índice, F.max_pool2d y los saltos leídos al revés / loops written differently.

expect: alternative UNet
witness: UNet(1, 3, base_channels=2, depth=2, padding=0)
input: randn(2, 1, 44, 60)
"""


class UNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=2, base_channels=64, depth=4, padding=1):
        super().__init__()
        widths = [in_channels] + [base_channels * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList(DoubleConv(widths[i], widths[i + 1], padding) for i in range(depth + 1))
        self.up = nn.ModuleList()
        self.up_conv = nn.ModuleList()
        for i in range(depth):
            wide, narrow = widths[depth + 1 - i], widths[depth - i]
            self.up.append(nn.ConvTranspose2d(wide, narrow, 2, stride=2))
            self.up_conv.append(DoubleConv(wide, narrow, padding))
        self.head = nn.Conv2d(base_channels, num_classes, 1)

    def forward(self, x):
        features = [self.down[0](x)]
        for i in range(1, len(self.down)):
            features.append(self.down[i](F.max_pool2d(features[-1], 2, 2)))
        x = features[-1]
        for i in range(len(self.up)):
            x = self.up[i](x)
            skip = features[-2 - i]
            x = self.up_conv[i](torch.cat((center_crop(skip, tuple(x.shape[2:])), x), 1))
        return self.head(x)
