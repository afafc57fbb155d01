"""Reference solutions of the assignment "architectures": an inception module, a residual block,
LeNet and ResNet-18, as PyTorch modules.

SECRET: this file is the one source of each part. The notebook generator copies the text of each
top-level class into the student's cell; `nbgrader generate_assignment` turns every
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (each method's body) into
``raise NotImplementedError()``. A later part uses the student's earlier one by name
(``ResNet18`` builds on ``ResidualBlock``), and helpers live inside the solution regions.
Attribute names are part of the contract: the grader loads the reference's state_dict into the
student's module by name. Example::

    >>> ResNet18()(torch.randn(1, 3, 64, 64)).shape
    torch.Size([1, 1000])
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class InceptionBlock(nn.Module):
    """Módulo "inception" (GoogLeNet, 2014): ¿3x3 o 5x5? ¿max-pooling? Los cuatro a la vez.

    Cuatro ramas en paralelo sobre la misma entrada, cada una con ReLU después de cada
    convolución (todas con bias); la salida concatena las ramas en el eje de canales, en este orden:

    1. ``b1_1``: convolución 1x1 a ``c1`` canales.
    2. ``b2_1``: 1x1 a ``c2[0]`` canales, luego ``b2_2``: 3x3 (padding 1) a ``c2[1]``.
    3. ``b3_1``: 1x1 a ``c3[0]`` canales, luego ``b3_2``: 5x5 (padding 2) a ``c3[1]``.
    4. ``b4_1``: max-pooling 3x3 (stride 1, padding 1), luego ``b4_2``: 1x1 a ``c4``.

    Las 1x1 previas reducen los canales antes de los filtros grandes (menos parámetros). Todas las
    ramas conservan el tamaño espacial: (N, in_channels, H, W) -> (N, c1 + c2[1] + c3[1] + c4, H, W).

    Ejemplo:
        >>> block = InceptionBlock(3, 4, (2, 5), (1, 2), 3)
        >>> block(torch.randn(2, 3, 7, 5)).shape
        torch.Size([2, 14, 7, 5])
    """

    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        ### BEGIN SOLUTION
        self.b1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.b2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.b2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.b3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.b3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        branch1 = F.relu(self.b1_1(x))
        branch2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        branch3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        branch4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat([branch1, branch2, branch3, branch4], dim=1)
        ### END SOLUTION


class ResidualBlock(nn.Module):
    """Bloque residual básico de ResNet (He et al., 2015), como ``BasicBlock`` de torchvision.

    ``out = relu(bn2(conv2(relu(bn1(conv1(x))))) + atajo(x))``. El atajo (la conexión de salto)
    acorta el camino de las derivadas: el gradiente llega a las primeras capas sin desvanecerse.

    Atributos:
        ``conv1``: 3x3, ``stride``, padding 1, sin bias; ``bn1``: BatchNorm2d.
        ``conv2``: 3x3, stride 1, padding 1, sin bias; ``bn2``: BatchNorm2d.
        ``downsample``: ``nn.Sequential(conv 1x1 con stride y sin bias, BatchNorm2d)`` cuando
        ``stride != 1`` o ``in_channels != out_channels`` (para que el atajo tenga la forma de la
        salida); si no, ``None`` y el atajo es la identidad.

    (N, in_channels, H, W) -> (N, out_channels, floor((H - 1) / stride) + 1, ídem W).

    Ejemplo:
        >>> block = ResidualBlock(3, 8, stride=2)
        >>> block(torch.randn(2, 3, 7, 6)).shape
        torch.Size([2, 8, 4, 3])
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.downsample = None
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        identity = x
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return F.relu(out + identity)
        ### END SOLUTION


class LeNet(nn.Module):
    """LeNet (LeCun, 1998) como en la clase, para imágenes de 28x28 en escala de grises.

    1. ``conv1``: 1 -> 6 canales, 5x5, padding 2 ("same"); ReLU; max-pooling 2x2 (stride 2).
    2. ``conv2``: 6 -> 16 canales, 5x5, padding 2 ("same"); ReLU; max-pooling 2x2 (stride 2).
    3. Aplanar: 16 * 7 * 7 = 784 valores.
    4. ``fc1``: 784 -> 120, ReLU; ``fc2``: 120 -> 84, ReLU; ``fc3``: 84 -> ``num_classes``.

    Devuelve los logits (sin softmax: ``nn.CrossEntropyLoss`` lo incluye).
    (N, 1, 28, 28) -> (N, num_classes).

    Ejemplo:
        >>> LeNet()(torch.randn(4, 1, 28, 28)).shape
        torch.Size([4, 10])
    """

    def __init__(self, num_classes=10):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, padding=2)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(16 * 7 * 7, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.pool(F.relu(self.conv1(x)))  # (N, 6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # (N, 16, 7, 7)
        x = torch.flatten(x, 1)  # (N, 784)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
        ### END SOLUTION


class ResNet18(nn.Module):
    """ResNet-18 (He et al., 2015) construida con su ``ResidualBlock``, con los mismos nombres de
    parámetros que ``torchvision.models.resnet18`` (11.689.512 parámetros con 1000 clases).

    1. ``conv1``: 7x7, 64 canales, stride 2, padding 3, sin bias; ``bn1``; ReLU;
       max-pooling 3x3 (stride 2, padding 1).
    2. Cuatro etapas ``layer1`` ... ``layer4``, cada una un ``nn.Sequential`` de 2 bloques
       residuales, con 64, 128, 256 y 512 canales; el primer bloque de ``layer2``, ``layer3`` y
       ``layer4`` usa stride 2 (reduce el tamaño a la mitad y duplica los canales).
    3. Promedio global (``nn.AdaptiveAvgPool2d(1)``), aplanar y ``fc``: 512 -> ``num_classes``.

    (N, in_channels, H, W) -> (N, num_classes), para cualquier H, W >= 1.

    Ejemplo:
        >>> ResNet18(num_classes=5)(torch.randn(2, 3, 32, 40)).shape
        torch.Size([2, 5])
    """

    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__()
        ### BEGIN SOLUTION
        def make_layer(in_channels, out_channels, num_blocks, stride):
            # Sólo el primer bloque cambia el tamaño y los canales; los demás los conservan.
            blocks = [ResidualBlock(in_channels, out_channels, stride)]
            blocks += [ResidualBlock(out_channels, out_channels) for _ in range(num_blocks - 1)]
            return nn.Sequential(*blocks)

        layers = [2, 2, 2, 2]  # bloques por etapa: 2 * (2 + 2 + 2 + 2) + 2 = 18 capas con pesos
        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = make_layer(64, 64, layers[0], stride=1)
        self.layer2 = make_layer(64, 128, layers[1], stride=2)
        self.layer3 = make_layer(128, 256, layers[2], stride=2)
        self.layer4 = make_layer(256, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)
        ### END SOLUTION
