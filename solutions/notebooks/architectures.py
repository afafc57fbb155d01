# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tarea 2: Arquitecturas convolucionales — Inception, ResNet y LeNet
#
# *Redes convolucionales y sus aplicaciones.*
#
# En la tarea 1 escribió las operaciones; ahora las combina en **arquitecturas**: el módulo
# *inception* de GoogLeNet, el **bloque residual** de ResNet, **LeNet** (LeCun, 1998) y
# **ResNet-18** (He et al., 2015). Al final entrena su LeNet para reconocer dígitos manuscritos.
#
# **Cómo trabajar.** Complete cada celda con `raise NotImplementedError()` (`__init__` crea las
# capas y `forward` las aplica), ejecútela y luego ejecute el ejemplo y la celda `check(...)`.
#
# **Qué está permitido.** Aquí sí puede (y debe) usar las capas de `torch.nn`: `nn.Conv2d`,
# `nn.MaxPool2d`, `nn.BatchNorm2d`, `nn.Linear`, `nn.Sequential`, `nn.ModuleList`... y las
# funciones de `torch.nn.functional` (`F.relu`...), además de sus propias clases anteriores
# (`ResNet18` se construye con su `ResidualBlock`). Los **nombres de los atributos** (`conv1`,
# `b2_1`, `downsample`...) son parte del enunciado: el corrector carga pesos por nombre.

# %%
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
from autograder.public import check

# %% [markdown]
# ## 0. Ejemplo resuelto: el modelo de Keras de la clase, en PyTorch
#
# En la clase vimos este modelo en Keras, para imágenes de 28×28×1:
#
# ```python
# model = keras.Sequential([
#     keras.layers.Conv2D(filters = 32, kernel_size = (3, 3), padding="valid",
#                         strides=(1, 1), activation='relu', input_shape=(28, 28, 1)),
#     keras.layers.MaxPooling2D(pool_size = (2, 2), strides=(2, 2)),
#     keras.layers.Conv2D(filters = 64, kernel_size = (3, 3), padding="valid",
#                         strides=(1, 1), activation='relu'),
#     keras.layers.MaxPooling2D(pool_size = (2, 2), strides=(2, 2)),
#     keras.layers.Flatten(),
#     keras.layers.Dropout(0.5),
#     keras.layers.Dense(256, activation='relu')
#     keras.layers.Dense(128, activation='relu')
#     keras.layers.Dense(10, activation='softmax')
# ])
# ```
#
# **Ojo:** tal como está en la diapositiva, este código no corre: **faltan las comas** al final
# de las líneas `Dense(256, ...)` y `Dense(128, ...)`, y Python lanza `SyntaxError` (los
# elementos de una lista se separan con comas).
#
# La traducción a PyTorch cambia tres cosas:
#
# * las imágenes son `(N, C, H, W)` (canales primero), no `(N, H, W, C)`;
# * `nn.Conv2d` y `nn.Linear` necesitan el número de **entradas**, que Keras deduce solo. Hay que
#   calcularlo con la fórmula del tamaño de salida: 28 → 26 (conv 3×3 *valid*) → 13 (pooling) →
#   11 → 5, así que `Flatten` entrega 64·5·5 = 1600 valores;
# * la activación va como capa aparte (`nn.ReLU()`), y el `softmax` final se deja fuera: el modelo
#   devuelve *logits* y `nn.CrossEntropyLoss` aplica el (log-)softmax por dentro, de forma más
#   estable. Para ver probabilidades se usa `torch.softmax(logits, dim=1)`.

# %%
modelo_keras = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3, padding="valid"),  # 28x28 -> 26x26
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),  # -> 13x13
    nn.Conv2d(32, 64, kernel_size=3, padding="valid"),  # -> 11x11
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),  # -> 5x5
    nn.Flatten(),  # -> 64 * 5 * 5 = 1600
    nn.Dropout(0.5),
    nn.Linear(1600, 256),
    nn.ReLU(),
    nn.Linear(256, 128),
    nn.ReLU(),
    nn.Linear(128, 10),  # logits; el softmax lo pone la función de pérdida
)

torch.manual_seed(0)
x = torch.randn(1, 1, 28, 28)
for capa in modelo_keras:
    x = capa(x)
    print(f"{capa.__class__.__name__:10s} -> {tuple(x.shape)}")
print("probabilidades:", torch.softmax(x, dim=1).detach().numpy().round(3))
print("parámetros:", sum(p.numel() for p in modelo_keras.parameters()))

# %% [markdown]
# ## 1. El módulo inception: `InceptionBlock`
#
# Una de las decisiones al definir una red convolucional es qué tamaño de filtro usar.
# **¿3×3? ¿5×5? ¿Debo usar max pooling?** La respuesta de GoogLeNet (2014) son los módulos
# *inception*: no elegir, sino hacer **todo a la vez** en ramas paralelas sobre la misma entrada y
# concatenar los resultados en el eje de los canales. La red aprende cuánto usar de cada rama.
#
# Las cuatro ramas, en este orden (ReLU después de cada convolución; todas con sesgo):
#
# 1. `b1_1`: convolución 1×1 a `c1` canales;
# 2. `b2_1`: 1×1 a `c2[0]` canales, luego `b2_2`: 3×3 con padding 1 a `c2[1]`;
# 3. `b3_1`: 1×1 a `c3[0]` canales, luego `b3_2`: 5×5 con padding 2 a `c3[1]`;
# 4. `b4_1`: max pooling 3×3 con stride 1 y padding 1, luego `b4_2`: 1×1 a `c4`.
#
# Las convoluciones 1×1 previas **reducen los canales** antes de los filtros grandes, lo que
# abarata mucho la rama 5×5. Todas las ramas conservan el alto y el ancho, así que la salida
# tiene `c1 + c2[1] + c3[1] + c4` canales.

# %% part="InceptionBlock"

# %% [markdown]
# El módulo "3a" de GoogLeNet recibe 192 canales de 28×28 y entrega 64 + 128 + 32 + 32 = 256:

# %%
bloque = InceptionBlock(192, 64, (96, 128), (16, 32), 32)
print(tuple(bloque(torch.randn(2, 192, 28, 28)).shape))

# %%
check("InceptionBlock")

# %% [markdown]
# ## 2. El bloque residual: `ResidualBlock`
#
# Apilar más capas no basta para entrenar redes más profundas: al propagar hacia atrás, la
# derivada es un producto de muchos factores, y los **gradientes se desvanecen o explotan**. Los
# **bloques residuales** permiten entrenar redes mucho más profundas: la entrada `x` salta por
# encima de dos convoluciones (la **conexión de salto**, *skip connection*) y se suma a su salida,
#
# $$\text{out} = \mathrm{ReLU}\big(F(x) + \text{atajo}(x)\big),\qquad
#   F(x) = \mathrm{bn_2}(\mathrm{conv_2}(\mathrm{ReLU}(\mathrm{bn_1}(\mathrm{conv_1}(x))))).$$
#
# El salto hace **más cortos los caminos de las derivadas**: el gradiente llega a las primeras
# capas a través de la suma, sin atravesar todos los pesos, y se reduce el riesgo de que se
# desvanezca o explote. Además, al bloque le basta con aprender la corrección $F(x)$.
#
# Capas (como `BasicBlock` de torchvision): `conv1` 3×3 con el `stride` dado, padding 1, sin
# sesgo; `bn1`; `conv2` 3×3, padding 1, sin sesgo; `bn2`. Cuando la salida no tiene la forma de la
# entrada (`stride != 1` o distinto número de canales), el atajo es `downsample =
# nn.Sequential(conv 1×1 con ese stride y sin sesgo, nn.BatchNorm2d)`; si no, `downsample = None`
# y el atajo es la identidad.

# %% part="ResidualBlock"

# %%
bloque = ResidualBlock(64, 128, stride=2)
print(tuple(bloque(torch.randn(2, 64, 32, 32)).shape))
print("atajo:", bloque.downsample)

# %%
check("ResidualBlock")

# %% [markdown]
# ## 3. LeNet
#
# La LeNet de la clase (Yann LeCun, 1998), para dígitos de 28×28:
#
# 1. Conv1: 5×5 (stride 1), padding "same" (= 2), 6 filtros; ReLU.
# 2. PoolLayer1: 2×2 (stride 2) → 14×14.
# 3. Conv2: 5×5 (stride 1), padding "same", 16 filtros; ReLU.
# 4. PoolLayer2: 2×2 (stride 2) → 7×7, es decir, 16·7·7 = 784 valores al aplanar.
# 5. Dense1: 120 (ReLU). 6. Dense2: 84 (ReLU). 7. Dense3: `num_classes`.
#
# Nombres: `conv1`, `conv2`, `fc1`, `fc2`, `fc3`. Devuelva los *logits* (sin softmax).

# %% part="LeNet"

# %%
lenet = LeNet()
print(tuple(lenet(torch.randn(4, 1, 28, 28)).shape))
print("parámetros:", sum(p.numel() for p in lenet.parameters()))

# %%
check("LeNet")

# %% [markdown]
# ## 4. ResNet-18
#
# ResNet-18 (2015) apila bloques residuales en cuatro etapas de 2 bloques cada una:
#
# 1. `conv1` 7×7, 64 canales, stride 2, padding 3, sin sesgo; `bn1`; ReLU; `maxpool` 3×3,
#    stride 2, padding 1;
# 2. `layer1` ... `layer4`: cada una un `nn.Sequential` de 2 `ResidualBlock`, con 64, 128, 256 y
#    512 canales; el primer bloque de `layer2`, `layer3` y `layer4` usa stride 2 (mitad de tamaño,
#    doble de canales);
# 3. `avgpool` (`nn.AdaptiveAvgPool2d(1)`), aplanar y `fc`: 512 → `num_classes`.
#
# Son 1 + 2·(2+2+2+2) + 1 = 18 capas con pesos y, con 1000 clases, exactamente **11.689.512**
# parámetros (la cifra publicada). Los nombres deben coincidir con los de
# `torchvision.models.resnet18` (`layer2.0.downsample.0.weight`, ...).

# %% part="ResNet18"

# %%
resnet = ResNet18()
print("parámetros:", sum(p.numel() for p in resnet.parameters()))
print("salida:", tuple(resnet(torch.randn(1, 3, 64, 64)).shape))
print("algunos nombres:", list(resnet.state_dict())[:3], "...", list(resnet.state_dict())[-2:])

# %%
check("ResNet18")

# %% [markdown]
# ## 5. Aplicación: su LeNet reconoce dígitos manuscritos
#
# Usamos los dígitos manuscritos de scikit-learn (`load_digits`: 1797 imágenes de 8×8, con
# valores de 0 a 16), agrandados a 28×28 para que calcen con LeNet. Separamos un 25 % para
# medir la **exactitud en datos no vistos**; con las semillas fijas, el resultado es
# reproducible. Entrenar toma unos segundos en CPU.

# %%
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digitos = load_digits()
imagenes = torch.tensor(digitos.images, dtype=torch.float32)[:, None] / 16.0
imagenes = F.interpolate(imagenes, size=(28, 28), mode="bilinear", align_corners=False)
etiquetas = torch.tensor(digitos.target)
x_entr, x_test, y_entr, y_test = train_test_split(
    imagenes, etiquetas, test_size=0.25, random_state=0, stratify=etiquetas
)
print("entrenamiento:", tuple(x_entr.shape), "prueba:", tuple(x_test.shape))


def exactitud(modelo, x, y):
    """Fracción de imágenes cuya clase más probable es la correcta."""
    modelo.eval()
    with torch.no_grad():
        return (modelo(x).argmax(dim=1) == y).float().mean().item()


def entrenar(modelo, x, y, x_val, y_val, epocas=15, lote=32, lr=2e-3):
    """Adam + entropía cruzada por mini-lotes; devuelve la curva de aprendizaje por época."""
    optimizador = torch.optim.Adam(modelo.parameters(), lr=lr)
    curva = {"pérdida": [], "exactitud (prueba)": []}
    for _ in range(epocas):
        modelo.train()
        orden = torch.randperm(len(x))
        perdidas = []
        for inicio in range(0, len(x), lote):
            indices = orden[inicio : inicio + lote]
            perdida = F.cross_entropy(modelo(x[indices]), y[indices])
            optimizador.zero_grad()
            perdida.backward()
            optimizador.step()
            perdidas.append(perdida.item())
        curva["pérdida"].append(sum(perdidas) / len(perdidas))
        curva["exactitud (prueba)"].append(exactitud(modelo, x_val, y_val))
    return curva


def graficar_curva(curva):
    fig, ejes = plt.subplots(1, 2, figsize=(10, 3))
    for eje, (nombre, valores) in zip(ejes, curva.items()):
        eje.plot(range(1, len(valores) + 1), valores, marker="o")
        eje.set_xlabel("época")
        eje.set_title(nombre)
    plt.show()


def graficar_mapas(modelo, imagen):
    """Los 6 mapas de características de conv1 (después de ReLU) para una imagen."""
    with torch.no_grad():
        mapas = F.relu(modelo.conv1(imagen[None]))[0]
    fig, ejes = plt.subplots(1, 7, figsize=(14, 2))
    ejes[0].imshow(imagen[0], cmap="gray")
    ejes[0].set_title("entrada")
    for k, eje in enumerate(ejes[1:]):
        eje.imshow(mapas[k], cmap="viridis")
        eje.set_title(f"conv1, filtro {k}")
    for eje in ejes:
        eje.axis("off")
    plt.show()


# %% [markdown]
# Ahora entrenamos su LeNet, dibujamos la curva de aprendizaje y los mapas de características que
# aprendió la primera capa (cada filtro responde a trazos distintos del dígito). La meta es una
# exactitud de prueba de al menos 95 %.

# %%
torch.manual_seed(0)
inicio = time.process_time()  # segundos de CPU: no dependen de qué más corre en la máquina
lenet = LeNet()
curva = entrenar(lenet, x_entr, y_entr, x_test, y_test)
segundos_entrenamiento = time.process_time() - inicio
exactitud_test = exactitud(lenet, x_test, y_test)
print(f"segundos_entrenamiento = {segundos_entrenamiento:.1f}")
print(f"exactitud_test = {exactitud_test:.4f}")
graficar_curva(curva)
graficar_mapas(lenet, x_test[0])
assert exactitud_test >= 0.95, "LeNet debería llegar a 95 % de exactitud: revise su LeNet"

# %% [markdown]
# ## Para terminar
#
# Ejecute el cuaderno completo (*Kernel → Restart & Run All*) y revise que todas las celdas
# `check(...)` digan que pasan. Lo que se corrige es el código de las cuatro celdas de solución.
