"""Reference solutions of the assignment "segmentation": U-Net (Ronneberger et al., 2015) for
semantic segmentation, from its two pieces (a centre crop and a double convolution).

SECRET: this file is the one source of each part. The notebook generator copies the text of each
top-level definition into the student's cell; `nbgrader generate_assignment` turns every
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region into ``raise NotImplementedError()``.
``UNet`` uses the student's own ``DoubleConv`` and ``center_crop`` by name. Example::

    >>> UNet(base_channels=4)(torch.randn(1, 1, 32, 48)).shape
    torch.Size([1, 2, 32, 48])
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def center_crop(x, size):
    """Recorta el centro de un tensor (N, C, H, W) a tamaño ``size = (h, w)``.

    Es lo que hace U-Net con cada conexión de salto: sin padding, el mapa del codificador es más
    grande que el del decodificador, y se recorta su centro antes de concatenar.
    El recorte empieza en ``top = (H - h) // 2`` y ``left = (W - w) // 2``.

    Argumentos:
        x: tensor (N, C, H, W).
        size: un par (h, w) (p. ej. ``otro.shape[-2:]``) o un entero (recorte cuadrado), con
            ``h <= H`` y ``w <= W``.

    Devuelve (N, C, h, w), del dtype de ``x``.

    Argumentos inválidos:
        - un tamaño mayor que la entrada: ``ValueError``

    Ejemplo:
        >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> center_crop(x, (2, 3)).squeeze().tolist()
        [[4.0, 5.0, 6.0], [8.0, 9.0, 10.0]]
    """
    ### BEGIN SOLUTION
    h, w = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    height, width = x.shape[-2:]
    if not (0 <= h <= height and 0 <= w <= width):
        raise ValueError(f"no se puede recortar {height}x{width} a {h}x{w}")
    top = (height - h) // 2
    left = (width - w) // 2
    return x[..., top:top + h, left:left + w]
    ### END SOLUTION


class DoubleConv(nn.Module):
    """Dos convoluciones 3x3, cada una seguida de ReLU: el bloque de cada nivel de U-Net.

    Atributos: ``conv1`` (in_channels -> out_channels, 3x3, con bias) y ``conv2``
    (out_channels -> out_channels, 3x3, con bias), ambas con el ``padding`` dado; sin batch norm,
    como en el artículo. Con ``padding=0`` cada convolución quita 2 píxeles por eje
    (H -> H - 4 en total); con ``padding=1`` el tamaño se conserva.

    Ejemplo:
        >>> DoubleConv(1, 4, padding=0)(torch.randn(2, 1, 10, 9)).shape
        torch.Size([2, 4, 6, 5])
    """

    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=padding)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=padding)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = F.relu(self.conv1(x))
        return F.relu(self.conv2(x))
        ### END SOLUTION


class UNet(nn.Module):
    """U-Net (Ronneberger et al., 2015): un codificador que reduce y un decodificador que
    sobremuestrea, unidos por conexiones de salto que devuelven el detalle fino a cada píxel.

    Con ``b = base_channels``:

    - ``down``: ``nn.ModuleList`` de ``depth + 1`` ``DoubleConv``
      (in_channels -> b, b -> 2b, ..., -> 2^depth b), con max-pooling 2x2 entre uno y otro.
    - ``up``: ``nn.ModuleList`` de ``depth`` ``nn.ConvTranspose2d`` (kernel 2, stride 2), del más
      profundo al menos profundo: ``up[i]`` va de 2^(depth-i) b a 2^(depth-i-1) b canales.
    - ``up_conv``: ``nn.ModuleList`` de ``depth`` ``DoubleConv``
      (2^(depth-i) b -> 2^(depth-i-1) b); todas las ``DoubleConv`` usan el ``padding`` de la U-Net.
    - ``head``: convolución 1x1, b -> ``num_classes`` (un logit por clase y píxel).

    Paso ``i`` del decodificador: ``x = up[i](x)``; se concatena el salto recortado
    ``cat([center_crop(salto, x.shape[-2:]), x], dim=1)``; ``x = up_conv[i](x)``.
    Con ``padding=0`` reproduce el artículo: 572x572 -> 388x388. Con ``padding=1`` la salida
    tiene el tamaño de la entrada si H y W son múltiplos de 2^depth.

    Ejemplo:
        >>> UNet(in_channels=3, num_classes=4, base_channels=2, depth=2)(torch.randn(1, 3, 8, 12)).shape
        torch.Size([1, 4, 8, 12])
    """

    def __init__(self, in_channels=1, num_classes=2, base_channels=64, depth=4, padding=1):
        super().__init__()
        ### BEGIN SOLUTION
        widths = [base_channels * 2**level for level in range(depth + 1)]  # b, 2b, ..., 2^depth b
        self.down = nn.ModuleList(
            [DoubleConv(in_channels, widths[0], padding)]
            + [DoubleConv(widths[level - 1], widths[level], padding) for level in range(1, depth + 1)]
        )
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        # Del nivel más profundo (depth) al menos profundo (0).
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(widths[level], widths[level - 1], kernel_size=2, stride=2)
             for level in range(depth, 0, -1)]
        )
        self.up_conv = nn.ModuleList(
            [DoubleConv(widths[level], widths[level - 1], padding) for level in range(depth, 0, -1)]
        )
        self.head = nn.Conv2d(widths[0], num_classes, kernel_size=1)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        skips = []
        for level, block in enumerate(self.down):
            if level > 0:
                x = self.pool(x)
            x = block(x)
            skips.append(x)
        skips.pop()  # el nivel más profundo no tiene salto: es la entrada del decodificador
        for up, up_conv in zip(self.up, self.up_conv):
            x = up(x)
            skip = center_crop(skips.pop(), x.shape[-2:])
            x = torch.cat([skip, x], dim=1)
            x = up_conv(x)
        return self.head(x)
        ### END SOLUTION
