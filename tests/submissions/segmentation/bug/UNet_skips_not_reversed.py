"""Usa los saltos en el orden de la bajada (no el inverso) / skips taken in encoder order.

expect: bug UNet
witness: UNet(1, 3, base_channels=2, depth=2, padding=0)
input: randn(2, 1, 44, 60)
"""


class UNet(UNet):
    def forward(self, x):
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for i, (up, up_conv) in enumerate(zip(self.up, self.up_conv)):
            x = up(x)
            x = up_conv(torch.cat([center_crop(skips[i], x.shape[-2:]), x], dim=1))
        return self.head(x)
