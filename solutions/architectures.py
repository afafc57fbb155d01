"""Reference solutions of the assignment "architectures": the output-size formula, LeNet, AlexNet,
VGG16, an inception module and GoogLeNet, a residual block and ResNet-18, as PyTorch modules.

SECRET: this file is the one source of each part. The notebook generator copies the text of each
top-level definition into the student's cell; `nbgrader generate_assignment` turns every
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (each method's body) into
``raise NotImplementedError()``. A later part uses the student's earlier one by name
(``GoogLeNet`` builds on ``InceptionBlock``, ``ResNet18`` on ``ResidualBlock``), and helpers live
inside the solution regions. Attribute names are part of the contract: the grader loads the
reference's state_dict into the student's module by name. Example::

    >>> ResNet18()(torch.randn(1, 3, 64, 64)).shape
    torch.Size([1, 1000])
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Tamaño de salida de una convolución (o de un pooling) a lo largo de cada eje.

    La fórmula de la clase, con relleno ``p``, filtro ``k``, paso ``s`` y dilatación ``d``::

        salida = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1

    Cada argumento es un entero (el mismo valor en los dos ejes) o un par ``(alto, ancho)``.
    Devuelve un ``int`` cuando todos son enteros y una tupla ``(alto, ancho)`` de ``int`` cuando
    alguno es un par (``size`` puede ser ``x.shape[-2:]``). Un pooling usa la misma fórmula con
    ``dilation=1`` (y su paso por defecto es el tamaño de la ventana: pásalo explícito).
    Lanza ``ValueError`` si un tamaño, filtro, paso o dilatación no es positivo, si el relleno
    es negativo o si el filtro no cabe en la entrada rellenada (la salida quedaría vacía).

    Ejemplos:
        >>> conv_output_size(28, 5, padding=2)             # Conv1 de LeNet, relleno "same"
        28
        >>> conv_output_size((224, 224), 11, stride=4, padding=2)   # Conv1 de AlexNet
        (55, 55)
        >>> conv_output_size(7, (3, 2), stride=(2, 1))
        (3, 6)
    """
    ### BEGIN SOLUTION
    def pair(value):
        return tuple(value) if isinstance(value, (tuple, list)) else (value, value)

    arguments = (size, kernel_size, stride, padding, dilation)
    output = []
    for n, k, s, p, d in zip(*(pair(a) for a in arguments)):
        if min(n, k, s, d) < 1 or p < 0:
            raise ValueError(f"tamaño, filtro, paso y dilatación deben ser positivos y el relleno >= 0: "
                             f"size={size}, kernel_size={kernel_size}, stride={stride}, padding={padding}, "
                             f"dilation={dilation}")
        out = (n + 2 * p - d * (k - 1) - 1) // s + 1
        if out < 1:
            raise ValueError(f"el filtro (con su dilatación) no cabe en la entrada rellenada: {n} + 2·{p} < {d * (k - 1) + 1}")
        output.append(out)
    if any(isinstance(a, (tuple, list)) for a in arguments):
        return tuple(output)
    return output[0]
    ### END SOLUTION


class LeNet(nn.Module):
    """LeNet (LeCun, 1998) como en la clase, para imágenes de 28x28 en escala de grises.

    1. ``conv1``: 1 -> 6 canales, 5x5, relleno 2 ("same"); ReLU; max-pooling 2x2 (paso 2).
    2. ``conv2``: 6 -> 16 canales, 5x5, relleno 2 ("same"); ReLU; max-pooling 2x2 (paso 2).
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


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky, Sutskever y Hinton, 2012) en la variante de una sola GPU de
    ``torchvision.models.alexnet``: mismos nombres de parámetros y 61.100.840 parámetros con
    1000 clases.

    1. ``features``, un ``nn.Sequential`` con, en este orden (ReLU después de cada convolución):
       conv 11x11, 64 filtros, paso 4, relleno 2; ReLU; max-pooling 3x3 con paso 2;
       conv 5x5, 192, relleno 2; ReLU; max-pooling 3x3 con paso 2;
       conv 3x3, 384, relleno 1; ReLU; conv 3x3, 256, relleno 1; ReLU;
       conv 3x3, 256, relleno 1; ReLU; max-pooling 3x3 con paso 2.
    2. ``avgpool``: ``nn.AdaptiveAvgPool2d((6, 6))`` (con 224x224 ya llega un mapa de 6x6).
    3. Aplanar: 256 * 6 * 6 = 9216 valores.
    4. ``classifier``, un ``nn.Sequential``: dropout (p=0.5), lineal 9216 -> 4096, ReLU,
       dropout (p=0.5), lineal 4096 -> 4096, ReLU, lineal 4096 -> ``num_classes``.

    Todas las capas con sesgo. Devuelve los logits. (N, 3, H, W) -> (N, num_classes) para
    H, W >= 63 (el mapa final de ``features`` no puede quedar vacío).

    Ejemplo:
        >>> AlexNet()(torch.randn(1, 3, 224, 224)).shape
        torch.Size([1, 1000])
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        ### BEGIN SOLUTION
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),  # 224 -> 55
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # -> 27
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # -> 13
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # -> 6
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Linear(4096, num_classes),
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)
        ### END SOLUTION


def vgg16(num_classes=1000):
    """VGG16 (Simonyan y Zisserman, 2014), la configuración "D" del artículo, como
    ``torchvision.models.vgg16``: mismos nombres de parámetros y 138.357.544 parámetros con 1000
    clases.

    La red se describe con **datos**: la lista de la configuración D, donde un número es una
    convolución 3x3 (relleno 1, paso 1) con esa cantidad de filtros, seguida de ReLU, y ``'M'`` es
    un max-pooling 2x2 con paso 2::

        [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']

    Una función recorre la lista y arma las capas. El modelo devuelto (un ``nn.Module``; por
    ejemplo un ``nn.Sequential`` con hijos con nombre) tiene:

    1. ``features``: un ``nn.Sequential`` con las capas de la lista, en orden (13 convoluciones,
       cada una con su ReLU, y 5 max-pooling): sus índices son los de torchvision
       (``features.0`` es la primera convolución, ``features.2`` la segunda, ``features.4`` el
       primer pooling...).
    2. ``avgpool``: ``nn.AdaptiveAvgPool2d((7, 7))``; luego aplanar: 512 * 7 * 7 = 25088 valores.
    3. ``classifier``: un ``nn.Sequential``: lineal 25088 -> 4096, ReLU, dropout (p=0.5),
       lineal 4096 -> 4096, ReLU, dropout (p=0.5), lineal 4096 -> ``num_classes``.

    Todas las capas con sesgo. Devuelve los logits. (N, 3, H, W) -> (N, num_classes) para
    H, W >= 32 (cinco poolings dividen el tamaño por 32).

    Ejemplo:
        >>> vgg16(num_classes=10)(torch.randn(1, 3, 32, 32)).shape
        torch.Size([1, 10])
    """
    ### BEGIN SOLUTION
    config = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

    def make_features(config, in_channels):
        layers = []
        for value in config:
            if value == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(nn.Conv2d(in_channels, value, kernel_size=3, padding=1))
                layers.append(nn.ReLU())
                in_channels = value
        return nn.Sequential(*layers)

    model = nn.Sequential()  # forward: features -> avgpool -> flatten -> classifier, en ese orden
    model.add_module("features", make_features(config, in_channels=3))
    model.add_module("avgpool", nn.AdaptiveAvgPool2d((7, 7)))
    model.add_module("flatten", nn.Flatten())
    model.add_module("classifier", nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, num_classes),
    ))
    return model
    ### END SOLUTION


class InceptionBlock(nn.Module):
    """Módulo "inception" (GoogLeNet, 2014): ¿3x3 o 5x5? ¿max-pooling? Los cuatro a la vez.

    Cuatro ramas en paralelo sobre la misma entrada, cada una con ReLU después de cada
    convolución (todas con sesgo); la salida concatena las ramas en el eje de canales, en este orden:

    1. ``b1_1``: convolución 1x1 a ``c1`` canales.
    2. ``b2_1``: 1x1 a ``c2[0]`` canales, luego ``b2_2``: 3x3 (relleno 1) a ``c2[1]``.
    3. ``b3_1``: 1x1 a ``c3[0]`` canales, luego ``b3_2``: 5x5 (relleno 2) a ``c3[1]``.
    4. ``b4_1``: max-pooling 3x3 (paso 1, relleno 1), luego ``b4_2``: 1x1 a ``c4``.

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


class GoogLeNet(nn.Module):
    """GoogLeNet (Szegedy et al., 2014) construida con su ``InceptionBlock``, según la tabla 1 del
    artículo, sin los clasificadores auxiliares y sin normalización local (LRN).

    1. ``conv1``: 7x7, 64 filtros, paso 2, relleno 3; ReLU; ``maxpool1``: 3x3, paso 2, relleno 1.
    2. ``conv2``: 1x1, 64 filtros; ReLU; ``conv3``: 3x3, 192 filtros, relleno 1; ReLU;
       ``maxpool2``: 3x3, paso 2, relleno 1.
    3. ``inception3a``, ``inception3b``; ``maxpool3`` (3x3, paso 2, relleno 1).
    4. ``inception4a`` ... ``inception4e``; ``maxpool4`` (3x3, paso 2, relleno 1).
    5. ``inception5a``, ``inception5b``.
    6. ``avgpool``: ``nn.AdaptiveAvgPool2d(1)``; aplanar (1024 valores); ``dropout`` (p=0.4);
       ``fc``: lineal 1024 -> ``num_classes``.

    Cada módulo es ``InceptionBlock(in_channels, c1, (c2[0], c2[1]), (c3[0], c3[1]), c4)`` con las
    columnas de la tabla (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)::

        3a: 192 -> 64, (96, 128), (16, 32), 32        4c: 512 -> 128, (128, 256), (24, 64), 64
        3b: 256 -> 128, (128, 192), (32, 96), 64      4d: 512 -> 112, (144, 288), (32, 64), 64
        4a: 480 -> 192, (96, 208), (16, 48), 64       4e: 528 -> 256, (160, 320), (32, 128), 128
        4b: 512 -> 160, (112, 224), (24, 64), 64      5a: 832 -> 256, (160, 320), (32, 128), 128
                                                      5b: 832 -> 384, (192, 384), (48, 128), 128

    Las convoluciones del tallo llevan sesgo. Devuelve los logits. (N, 3, H, W) -> (N, num_classes)
    para cualquier H, W >= 1 (224 -> 112 -> 56 -> 28 -> 14 -> 7 -> 1).

    Ejemplo:
        >>> GoogLeNet(num_classes=10)(torch.randn(2, 3, 64, 64)).shape
        torch.Size([2, 10])
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(64, 64, kernel_size=1)
        self.conv3 = nn.Conv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        # La tabla 1 del artículo, fila por fila: InceptionBlock(in_channels, c1, c2, c3, c4).
        self.inception3a = InceptionBlock(192, 64, (96, 128), (16, 32), 32)
        self.inception3b = InceptionBlock(256, 128, (128, 192), (32, 96), 64)
        self.inception4a = InceptionBlock(480, 192, (96, 208), (16, 48), 64)
        self.inception4b = InceptionBlock(512, 160, (112, 224), (24, 64), 64)
        self.inception4c = InceptionBlock(512, 128, (128, 256), (24, 64), 64)
        self.inception4d = InceptionBlock(512, 112, (144, 288), (32, 64), 64)
        self.inception4e = InceptionBlock(528, 256, (160, 320), (32, 128), 128)
        self.inception5a = InceptionBlock(832, 256, (160, 320), (32, 128), 128)
        self.inception5b = InceptionBlock(832, 384, (192, 384), (48, 128), 128)
        self.maxpool3 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.maxpool4 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(p=0.4)
        self.fc = nn.Linear(1024, num_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.maxpool1(F.relu(self.conv1(x)))  # 224 -> 112 -> 56
        x = F.relu(self.conv2(x))
        x = self.maxpool2(F.relu(self.conv3(x)))  # -> 28
        x = self.inception3b(self.inception3a(x))  # 256, luego 480 canales
        x = self.maxpool3(x)  # -> 14
        for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):
            x = block(x)  # ... 832 canales
        x = self.maxpool4(x)  # -> 7
        x = self.inception5b(self.inception5a(x))  # 1024 canales
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))
        ### END SOLUTION


class ResidualBlock(nn.Module):
    """Bloque residual básico de ResNet (He et al., 2015), como ``BasicBlock`` de torchvision.

    ``out = relu(bn2(conv2(relu(bn1(conv1(x))))) + atajo(x))``. El atajo (la conexión de salto)
    acorta el camino de las derivadas: el gradiente llega a las primeras capas sin desvanecerse.

    Atributos:
        ``conv1``: 3x3, paso ``stride``, relleno 1, sin sesgo; ``bn1``: BatchNorm2d.
        ``conv2``: 3x3, paso 1, relleno 1, sin sesgo; ``bn2``: BatchNorm2d.
        ``downsample``: ``nn.Sequential(conv 1x1 con paso stride y sin sesgo, BatchNorm2d)`` cuando
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


class ResNet18(nn.Module):
    """ResNet-18 (He et al., 2015) construida con su ``ResidualBlock``, con los mismos nombres de
    parámetros que ``torchvision.models.resnet18`` (11.689.512 parámetros con 1000 clases).

    1. ``conv1``: 7x7, 64 canales, paso 2, relleno 3, sin sesgo; ``bn1``; ReLU;
       max-pooling 3x3 (paso 2, relleno 1).
    2. Cuatro etapas ``layer1`` ... ``layer4``, cada una un ``nn.Sequential`` de 2 bloques
       residuales, con 64, 128, 256 y 512 canales; el primer bloque de ``layer2``, ``layer3`` y
       ``layer4`` usa paso 2 (reduce el tamaño a la mitad y duplica los canales).
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
