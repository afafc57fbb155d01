"""Recorta cada salto en su esquina superior izquierda, sin center_crop / skip cropped at the top left.

expect: bug UNet
witness: UNet(1, 3, base_channels=2, depth=2, padding=0)
input: randn(2, 1, 44, 60)
"""


class UNet(UNet):
    def forward(self, x):
        skips = []
        for level, block in enumerate(self.down):
            if level > 0:
                x = self.pool(x)
            x = block(x)
            skips.append(x)
        skips.pop()
        for up, up_conv in zip(self.up, self.up_conv):
            x = up(x)
            skip = skips.pop()[..., :x.shape[-2], :x.shape[-1]]
            x = up_conv(torch.cat([skip, x], dim=1))
        return self.head(x)
