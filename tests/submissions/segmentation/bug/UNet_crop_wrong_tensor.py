"""Recorta x al tamaño del salto en vez del salto al de x / crops the upsampled tensor, not the skip.

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
        skips.pop()
        for up, up_conv in zip(self.up, self.up_conv):
            x = up(x)
            skip = skips.pop()
            x = up_conv(torch.cat([skip, center_crop(x, skip.shape[-2:])], dim=1))
        return self.head(x)
