# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tarea 2: Arquitecturas convolucionales — LeNet, AlexNet, VGG16, GoogLeNet y ResNet
#
# *Redes convolucionales y sus aplicaciones.*
#
# En la tarea 1 escribiste las operaciones; ahora las combinas en **arquitecturas**, en el orden
# de la clase: primero comparamos características manuales con características aprendidas, luego
# calculas el tamaño de salida de cada capa y armas **LeNet** (LeCun, 1998), **AlexNet**
# (Krizhevsky, 2012), **VGG16** (2014), el módulo *inception* y **GoogLeNet** (2014), el **bloque
# residual** y **ResNet-18** (He et al., 2015). Al final entrenas tu LeNet para reconocer dígitos
# manuscritos.
#
# **Cómo trabajar.** Completa cada celda con `raise NotImplementedError()` (`__init__` crea las
# capas y `forward` las aplica), ejecútala y luego ejecuta el ejemplo y la celda `check(...)`.
#
# **Qué está permitido.** Aquí sí puedes (y debes) usar las capas de `torch.nn`: `nn.Conv2d`,
# `nn.MaxPool2d`, `nn.BatchNorm2d`, `nn.Linear`, `nn.Dropout`, `nn.Sequential`... y las funciones
# de `torch.nn.functional` (`F.relu`...), además de tus propias definiciones anteriores
# (`GoogLeNet` se construye con tu `InceptionBlock`, `ResNet18` con tu `ResidualBlock`). Los
# **nombres de los atributos** (`conv1`, `b2_1`, `features`, `downsample`...) son parte del
# enunciado: el corrector carga pesos por nombre.

# %%
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
from autograder.public import check

# %% [markdown]
# ## 0. Aprendizaje automático versus aprendizaje profundo
#
# En el **aprendizaje automático** clásico una persona **extrae a mano** características de cada
# imagen (bordes, histogramas, texturas) y esas características alimentan un clasificador clásico
# (una red *fully-connected*, una SVM, KNN). En el **aprendizaje profundo** la red recibe la
# imagen y **aprende sus propias características** (los filtros de sus capas convolucionales)
# junto con el clasificador. Como dice la clase, las características manuales suelen quedar
# ajustadas al problema: **cualquier variación en las entradas puede afectar el desempeño del
# modelo**. En esta sección lo medimos.
#
# ### 0.1 El modelo de Keras de la clase, en PyTorch
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
# ### 0.2 Características manuales contra características aprendidas
#
# Usamos los dígitos manuscritos de scikit-learn (`load_digits`: 1797 imágenes de 8×8) y
# comparamos dos sistemas entrenados con las mismas imágenes:
#
# * **características manuales + clasificador clásico**: el histograma de gradientes orientados
#   (HOG, de scikit-image) describe cada celda de 2×2 píxeles con un histograma de la dirección de
#   sus bordes; alguien decidió a mano ese diseño (tamaño de celda, 9 direcciones, normalización
#   por bloques). Esas características alimentan una **SVM**;
# * **características automáticas**: una red convolucional pequeña con la receta del modelo de la
#   clase (dos convoluciones 3×3 con ReLU y max pooling, dropout y capas densas), con relleno
#   porque 8×8 es muy poco; sus filtros se **aprenden** de los datos.
#
# Después movemos las imágenes de prueba (desplazamos 1, 2 y 3 píxeles a la derecha) y las
# rotamos un poco (5°, 10°, 15°), **sin volver a entrenar**, y medimos la exactitud de cada uno.
# Todo corre en unos segundos de CPU.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from skimage.feature import hog
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

inicio_comparacion = time.process_time()  # segundos de CPU (no dependen de qué más corre)
digitos = load_digits()
d_entr, d_test, e_entr, e_test = train_test_split(
    digitos.images / 16.0, digitos.target, test_size=0.25, random_state=0, stratify=digitos.target
)


def caracteristicas_hog(imagenes):
    """Características manuales: HOG con celdas de 2x2 píxeles y bloques de 2x2 celdas."""
    return np.stack([hog(imagen, orientations=9, pixels_per_cell=(2, 2), cells_per_block=(2, 2)) for imagen in imagenes])


svm = SVC(C=10).fit(caracteristicas_hog(d_entr), e_entr)
print("características HOG por imagen:", caracteristicas_hog(d_entr[:1]).shape[1])

torch.manual_seed(0)
cnn_pequena = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3, padding=1),  # 8x8
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),  # -> 4x4
    nn.Conv2d(32, 64, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),  # -> 2x2
    nn.Flatten(),  # 64 * 2 * 2 = 256
    nn.Dropout(0.5),
    nn.Linear(256, 128),
    nn.ReLU(),
    nn.Linear(128, 10),
)
x_cnn = torch.tensor(d_entr, dtype=torch.float32)[:, None]
y_cnn = torch.tensor(e_entr)
optimizador = torch.optim.Adam(cnn_pequena.parameters(), lr=3e-3)
for epoca in range(20):
    cnn_pequena.train()
    orden = torch.randperm(len(x_cnn))
    for inicio in range(0, len(x_cnn), 32):
        indices = orden[inicio : inicio + 32]
        perdida = F.cross_entropy(cnn_pequena(x_cnn[indices]), y_cnn[indices])
        optimizador.zero_grad()
        perdida.backward()
        optimizador.step()


def exactitud_svm(imagenes):
    return float((svm.predict(caracteristicas_hog(imagenes)) == e_test).mean())


def exactitud_cnn(imagenes):
    cnn_pequena.eval()
    with torch.no_grad():
        logits = cnn_pequena(torch.tensor(imagenes, dtype=torch.float32)[:, None])
    return float((logits.argmax(dim=1).numpy() == e_test).mean())


def desplazar(imagenes, pixeles):
    return np.stack([ndimage.shift(imagen, (0, pixeles), order=0, mode="constant") for imagen in imagenes])


def rotar(imagenes, grados):
    return np.stack([ndimage.rotate(imagen, grados, reshape=False, order=1, mode="constant") for imagen in imagenes])


desplazamientos = [0, 1, 2, 3]
angulos = [0, 5, 10, 15]
resultados = {
    "desplazamiento (píxeles)": (desplazamientos, [desplazar(d_test, p) for p in desplazamientos]),
    "rotación (grados)": (angulos, [rotar(d_test, g) for g in angulos]),
}
exactitudes = {}
for perturbacion, (valores, conjuntos) in resultados.items():
    exactitudes[perturbacion] = {
        "HOG + SVM": [exactitud_svm(c) for c in conjuntos],
        "red convolucional": [exactitud_cnn(c) for c in conjuntos],
    }
    for modelo, valores_exactitud in exactitudes[perturbacion].items():
        print(f"{perturbacion:25s} {modelo:18s}", "  ".join(f"{v:.3f}" for v in valores_exactitud))
segundos_comparacion = time.process_time() - inicio_comparacion
print(f"segundos_comparacion = {segundos_comparacion:.1f}")

fig, ejes = plt.subplots(1, 3, figsize=(14, 3.5))
ejes[0].imshow(np.hstack([d_test[0], desplazar(d_test[:1], 3)[0], rotar(d_test[:1], 15)[0]]), cmap="gray")
ejes[0].set_title("original, 3 píxeles, 15°")
ejes[0].axis("off")
for eje, (perturbacion, (valores, _)) in zip(ejes[1:], resultados.items()):
    for modelo, valores_exactitud in exactitudes[perturbacion].items():
        eje.plot(valores, valores_exactitud, marker="o", label=modelo)
    eje.set_xlabel(perturbacion)
    eje.set_ylabel("exactitud (prueba)")
    eje.set_ylim(0, 1)
    eje.legend()
plt.show()

# %% [markdown]
# **Qué muestran los números.** Con las imágenes tal como se entrenó, los dos sistemas aciertan
# casi todo. Basta mover el dígito **un píxel** para que ambos pierdan mucha exactitud, y con tres
# píxeles (más de un tercio del ancho de una imagen de 8×8) aciertan poco más que al azar
# (10 % con diez clases): **cualquier variación en las entradas puede afectar el desempeño**, y
# ninguno de los dos vio dígitos desplazados al entrenar. Las características HOG toleran sólo lo
# que su diseño previó (lo que cabe dentro de una celda de 2×2); la red tampoco es invariante a
# traslaciones, aunque el max pooling le da algo de tolerancia a cambios pequeños, y en este
# experimento resiste mejor las rotaciones. La diferencia de fondo está en qué se puede hacer:
# las características de la red **se aprenden**, así que basta mostrarle ejemplos con esas
# variaciones al entrenar (aumento de datos) para que aprenda a ignorarlas; las manuales hay que
# **rediseñarlas a mano**. La celda siguiente comprueba estas afirmaciones con los números de
# arriba.

# %%
desplazada, rotada = exactitudes["desplazamiento (píxeles)"], exactitudes["rotación (grados)"]
for modelo in ("HOG + SVM", "red convolucional"):
    assert desplazada[modelo][0] >= 0.9, f"{modelo}: sin perturbar debería acertar casi todo"
    assert desplazada[modelo][1] < desplazada[modelo][0] - 0.15, f"{modelo}: un píxel ya debería bajar la exactitud"
    assert desplazada[modelo][3] < 0.4, f"{modelo}: con 3 píxeles debería acertar poco"
assert rotada["red convolucional"][3] > rotada["HOG + SVM"][3], "la red debería resistir mejor la rotación de 15°"

# %% [markdown]
# ## 1. El tamaño de salida de cada capa: `conv_output_size`
#
# Para armar una red hay que saber qué **forma** tiene cada mapa de características: `nn.Linear`
# necesita saber cuántos valores recibe al aplanar. Con relleno (*padding*) $p$, un filtro de
# tamaño $k$, paso (*stride*) $s$ y dilatación $d$, cada eje mide
#
# $$n_{out} = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1 .$$
#
# El pooling usa la misma fórmula con $d = 1$ (y su paso suele ser el tamaño de la ventana). El
# relleno "same" de la clase, con paso 1 y filtro impar, es $p = (k - 1)/2$: la salida mide lo
# mismo que la entrada.
#
# Escribe `conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1)`: cada argumento
# es un entero o un par `(alto, ancho)`; devuelve un `int` si todos son enteros y una tupla de dos
# `int` si alguno es un par. Si el filtro no cabe en la entrada rellenada, o algún argumento no
# tiene sentido (paso 0, relleno negativo), lanza `ValueError`.

# %% part="conv_output_size"

# %%
print(conv_output_size(28, 5, padding=2))  # Conv1 de LeNet: 28
print(conv_output_size((224, 224), 11, stride=4, padding=2))  # Conv1 de AlexNet: (55, 55)
print(conv_output_size(7, (3, 2), stride=(2, 1)))  # (3, 6)

# %%
check("conv_output_size")

# %% [markdown]
# Con esta función armamos una **tabla de formas**: para cada capa, la forma que da la fórmula
# (calculada a mano, con tu `conv_output_size`) y la que entrega la capa de verdad. Las redes se
# crean en el dispositivo `"meta"` de PyTorch, que sólo calcula formas: ni los 138 millones de
# parámetros de VGG16 ocupan memoria ni se hace una sola multiplicación.


# %%
def forma_a_mano(capa, forma):
    """La forma (C, H, W) o (F,) después de ``capa``, con la fórmula de la clase."""
    if isinstance(capa, (nn.Conv2d, nn.MaxPool2d)):
        canales = capa.out_channels if isinstance(capa, nn.Conv2d) else forma[0]
        dilatacion = capa.dilation if isinstance(capa, nn.Conv2d) else 1
        alto, ancho = conv_output_size(forma[1:], capa.kernel_size, capa.stride, capa.padding, dilatacion)
        return (canales, alto, ancho)
    if isinstance(capa, nn.AdaptiveAvgPool2d):
        salida = capa.output_size if isinstance(capa.output_size, tuple) else (capa.output_size,) * 2
        return (forma[0], *salida)
    if isinstance(capa, nn.Flatten):
        return (math.prod(forma),)
    if isinstance(capa, nn.Linear):
        return (capa.out_features,)
    return forma  # ReLU, Dropout: no cambian la forma


def tabla_de_formas(capas, forma_entrada):
    """Imprime, capa por capa, la forma calculada a mano y la forma real (dispositivo meta)."""
    x = torch.empty(1, *forma_entrada, device="meta")
    forma = tuple(forma_entrada)
    print(f"{'capa':28s} {'a mano':>16s} {'real':>16s}")
    print(f"{'entrada':28s} {str(forma):>16s} {str(tuple(x.shape[1:])):>16s}")
    for nombre, capa in capas:
        x = capa(x)
        forma = forma_a_mano(capa, forma)
        assert forma == tuple(x.shape[1:]), f"{nombre}: la fórmula da {forma}, la capa da {tuple(x.shape[1:])}"
        descripcion = f"{nombre} {capa.__class__.__name__}"
        print(f"{descripcion:28s} {str(forma):>16s} {str(tuple(x.shape[1:])):>16s}")


# %% [markdown]
# ## 2. LeNet
#
# La LeNet de la clase (Yann LeCun, 1998), para dígitos de 28×28:
#
# 1. Conv1: 5×5 (paso 1), relleno "same" (= 2), 6 filtros; ReLU.
# 2. PoolLayer1: 2×2 (paso 2) → 14×14.
# 3. Conv2: 5×5 (paso 1), relleno "same", 16 filtros; ReLU.
# 4. PoolLayer2: 2×2 (paso 2) → 7×7, es decir, 16·7·7 = 784 valores al aplanar.
# 5. Dense1: 120 (ReLU). 6. Dense2: 84 (ReLU). 7. Dense3: `num_classes`.
#
# Nombres: `conv1`, `conv2`, `fc1`, `fc2`, `fc3`. Devuelve los *logits* (sin softmax).

# %% part="LeNet"

# %%
lenet = LeNet()
print(tuple(lenet(torch.randn(4, 1, 28, 28)).shape))
print("parámetros:", sum(p.numel() for p in lenet.parameters()))

# %% [markdown]
# La tabla de formas de LeNet (compruébala a mano: $\lfloor(28 + 4 - 5)/1\rfloor + 1 = 28$,
# $\lfloor(28 - 2)/2\rfloor + 1 = 14$...):

# %%
with torch.device("meta"):
    lenet_meta = LeNet()
tabla_de_formas(
    [("conv1", lenet_meta.conv1), ("", nn.ReLU()), ("pool1", nn.MaxPool2d(2, 2)),
     ("conv2", lenet_meta.conv2), ("", nn.ReLU()), ("pool2", nn.MaxPool2d(2, 2)),
     ("aplanar", nn.Flatten()), ("fc1", lenet_meta.fc1), ("fc2", lenet_meta.fc2), ("fc3", lenet_meta.fc3)],
    (1, 28, 28),
)

# %%
check("LeNet")

# %% [markdown]
# ## 3. AlexNet
#
# AlexNet (Alex Krizhevsky, 2012) ganó ImageNet con una red mucho más grande que LeNet, ReLU en
# vez de funciones saturantes y **dropout** en las capas densas. Se entrenó repartida en dos GPU;
# aquí va la variante de una sola GPU de `torchvision.models.alexnet`, con sus mismos nombres:
#
# 1. `features` (`nn.Sequential`): conv 11×11, 64 filtros, paso 4, relleno 2; ReLU; max pooling
#    3×3 con paso 2; conv 5×5, 192, relleno 2; ReLU; max pooling 3×3/2; conv 3×3, 384, relleno 1;
#    ReLU; conv 3×3, 256, relleno 1; ReLU; conv 3×3, 256, relleno 1; ReLU; max pooling 3×3/2.
# 2. `avgpool`: `nn.AdaptiveAvgPool2d((6, 6))` (con 224×224 el mapa ya mide 6×6; con otros
#    tamaños lo lleva a 6×6).
# 3. Aplanar: 256·6·6 = 9216 valores.
# 4. `classifier` (`nn.Sequential`): dropout (p = 0.5), lineal 9216 → 4096, ReLU, dropout,
#    lineal 4096 → 4096, ReLU, lineal 4096 → `num_classes`.
#
# Con 1000 clases son exactamente **61.100.840** parámetros. Los nombres de `state_dict` son los
# de torchvision: `features.0.weight`, `features.3.weight`... (el índice cuenta **todas** las capas
# del `nn.Sequential`, también ReLU y pooling) y `classifier.1.weight`, `classifier.4.weight`,
# `classifier.6.weight`. En el modo `train` el dropout apaga la mitad de las activaciones al azar;
# en `eval` no hace nada.

# %% part="AlexNet"

# %%
with torch.device("meta"):
    alexnet = AlexNet()
print("parámetros:", sum(p.numel() for p in alexnet.parameters()))
print("salida para 224x224:", tuple(alexnet(torch.empty(1, 3, 224, 224, device="meta")).shape))
tabla_de_formas(
    [(f"features.{i}", capa) for i, capa in enumerate(alexnet.features)]
    + [("avgpool", alexnet.avgpool), ("aplanar", nn.Flatten())]
    + [(f"classifier.{i}", capa) for i, capa in enumerate(alexnet.classifier)],
    (3, 224, 224),
)

# %%
check("AlexNet")

# %% [markdown]
# ## 4. VGG16
#
# VGG (Simonyan y Zisserman, 2014) muestra que basta **un solo tipo de filtro**, 3×3 con relleno
# 1, apilado muchas veces: dos convoluciones 3×3 seguidas ven lo mismo que una 5×5 (y tres, lo
# que una 7×7) con menos parámetros y más ReLU entre medio. La red se describe con **datos**: en
# la configuración "D" del artículo (VGG16) cada número es una convolución 3×3 con esa cantidad
# de filtros, seguida de ReLU, y `'M'` es un max pooling 2×2 con paso 2:
#
# ```python
# [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
# ```
#
# Son 13 convoluciones y 3 capas densas: 16 capas con pesos. Escribe `vgg16(num_classes=1000)`:
# una función que recorre esa lista y arma `features` (un `nn.Sequential`, con los índices de
# torchvision: `features.0`, `features.2`, `features.5`...), luego `avgpool`
# (`nn.AdaptiveAvgPool2d((7, 7))`), aplanar (512·7·7 = 25088) y `classifier`: lineal 25088 →
# 4096, ReLU, dropout (p = 0.5), lineal 4096 → 4096, ReLU, dropout, lineal 4096 →
# `num_classes`. Devuelve el modelo: por ejemplo, un `nn.Sequential` vacío al que le agregas
# los hijos con `add_module("features", ...)`, `add_module("avgpool", ...)`, `nn.Flatten()` y
# `add_module("classifier", ...)`, en ese orden. Con 1000 clases son exactamente **138.357.544**
# parámetros: casi 103 millones sólo en la primera capa densa.

# %% part="vgg16"

# %%
with torch.device("meta"):
    vgg = vgg16()
print("parámetros:", sum(p.numel() for p in vgg.parameters()))
print("nombres:", list(vgg.state_dict())[:4], "...", list(vgg.state_dict())[-2:])
tabla_de_formas(
    [(f"features.{i}", capa) for i, capa in enumerate(vgg.features)]
    + [("avgpool", vgg.avgpool), ("aplanar", nn.Flatten())]
    + [(f"classifier.{i}", capa) for i, capa in enumerate(vgg.classifier)],
    (3, 224, 224),
)

# %%
check("vgg16")

# %% [markdown]
# ## 5. El módulo inception: `InceptionBlock`
#
# Una de las decisiones al definir una red convolucional es qué tamaño de filtro usar.
# **¿3×3? ¿5×5? ¿Debo usar max pooling?** La respuesta de GoogLeNet (2014) son los módulos
# *inception*: no elegir, sino hacer **todo a la vez** en ramas paralelas sobre la misma entrada y
# concatenar los resultados en el eje de los canales. La red aprende cuánto usar de cada rama.
#
# Las cuatro ramas, en este orden (ReLU después de cada convolución; todas con sesgo):
#
# 1. `b1_1`: convolución 1×1 a `c1` canales;
# 2. `b2_1`: 1×1 a `c2[0]` canales, luego `b2_2`: 3×3 con relleno 1 a `c2[1]`;
# 3. `b3_1`: 1×1 a `c3[0]` canales, luego `b3_2`: 5×5 con relleno 2 a `c3[1]`;
# 4. `b4_1`: max pooling 3×3 con paso 1 y relleno 1, luego `b4_2`: 1×1 a `c4`.
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
# ## 6. GoogLeNet
#
# GoogLeNet (Szegedy et al., 2014) apila nueve módulos inception. Se construye con **tu**
# `InceptionBlock` y la tabla 1 del artículo, sin los dos clasificadores auxiliares (que sólo
# ayudaban a entrenar) y sin la normalización local (LRN):
#
# 1. `conv1`: 7×7, 64 filtros, paso 2, relleno 3; ReLU; `maxpool1`: 3×3, paso 2, relleno 1;
# 2. `conv2`: 1×1, 64 filtros; ReLU; `conv3`: 3×3, 192 filtros, relleno 1; ReLU; `maxpool2`;
# 3. `inception3a`, `inception3b`; `maxpool3`;
# 4. `inception4a` ... `inception4e`; `maxpool4`;
# 5. `inception5a`, `inception5b`;
# 6. `avgpool` (`nn.AdaptiveAvgPool2d(1)`), aplanar, `dropout` (p = 0.4) y `fc`: 1024 →
#    `num_classes`.
#
# Todos los max pooling de paso 2 son 3×3 con relleno 1: el tamaño se divide por 2 (redondeando
# hacia arriba), 224 → 112 → 56 → 28 → 14 → 7. Las convoluciones del tallo llevan sesgo. Cada
# módulo es `InceptionBlock(in_channels, c1, (c2[0], c2[1]), (c3[0], c3[1]), c4)` con las columnas
# de la tabla del artículo:
#
# | módulo | entrada | #1×1 | #3×3 reduce | #3×3 | #5×5 reduce | #5×5 | pool proj | salida |
# |---|---|---|---|---|---|---|---|---|
# | 3a | 192 | 64 | 96 | 128 | 16 | 32 | 32 | 256 |
# | 3b | 256 | 128 | 128 | 192 | 32 | 96 | 64 | 480 |
# | 4a | 480 | 192 | 96 | 208 | 16 | 48 | 64 | 512 |
# | 4b | 512 | 160 | 112 | 224 | 24 | 64 | 64 | 512 |
# | 4c | 512 | 128 | 128 | 256 | 24 | 64 | 64 | 512 |
# | 4d | 512 | 112 | 144 | 288 | 32 | 64 | 64 | 528 |
# | 4e | 528 | 256 | 160 | 320 | 32 | 128 | 128 | 832 |
# | 5a | 832 | 256 | 160 | 320 | 32 | 128 | 128 | 832 |
# | 5b | 832 | 384 | 192 | 384 | 48 | 128 | 128 | 1024 |

# %% part="GoogLeNet"

# %% [markdown]
# Tu GoogLeNet tiene unos 7 millones de parámetros, **20 veces menos que VGG16**, aunque es más
# profunda: no tiene capas densas grandes (el promedio global deja 1024 valores) y las 1×1
# reducen los canales antes de cada filtro grande.
#
# **Comparación con torchvision.** `torchvision.models.googlenet(aux_logits=False,
# init_weights=False)` tiene **6.624.904** parámetros, no los mismos que la tuya, por dos
# diferencias que la celda siguiente cuantifica con tu propia red:
#
# * torchvision pone **batch norm** después de cada convolución (una variante posterior al
#   artículo, que entrena mejor), y entonces la convolución va sin sesgo: por cada canal de
#   salida agrega 2 parámetros (escala y desplazamiento de la normalización) y quita 1 (el sesgo),
#   es decir, **uno más por canal**;
# * en la rama "5×5" usa un filtro **3×3** (un error conocido que torchvision conserva para poder
#   cargar sus pesos entrenados): $16 = 25 - 9$ pesos menos por cada par de canales de esa rama.

# %%
GOOGLENET_TORCHVISION = 6_624_904
googlenet = GoogLeNet()
propios = sum(p.numel() for p in googlenet.parameters())
convoluciones = [m for m in googlenet.modules() if isinstance(m, nn.Conv2d)]
canales_de_salida = sum(c.out_channels for c in convoluciones)  # torchvision: +1 parámetro por canal
ramas_5x5 = [m.b3_2 for m in googlenet.modules() if isinstance(m, InceptionBlock)]
pesos_5x5_extra = sum((25 - 9) * c.in_channels * c.out_channels for c in ramas_5x5)
print("tu GoogLeNet:", propios)
print("torchvision: ", GOOGLENET_TORCHVISION)
print(f"diferencia = {propios - GOOGLENET_TORCHVISION} = {pesos_5x5_extra} (5x5 en vez de 3x3) "
      f"- {canales_de_salida} (batch norm en vez de sesgo)")
assert propios - GOOGLENET_TORCHVISION == pesos_5x5_extra - canales_de_salida
print("salida:", tuple(googlenet.eval()(torch.randn(1, 3, 64, 64)).shape))

# %%
check("GoogLeNet")

# %% [markdown]
# ## 7. El bloque residual: `ResidualBlock`
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
# Capas (como `BasicBlock` de torchvision): `conv1` 3×3 con el paso `stride` dado, relleno 1, sin
# sesgo; `bn1`; `conv2` 3×3, relleno 1, sin sesgo; `bn2`. Cuando la salida no tiene la forma de la
# entrada (`stride != 1` o distinto número de canales), el atajo es `downsample =
# nn.Sequential(conv 1×1 con ese paso y sin sesgo, nn.BatchNorm2d)`; si no, `downsample = None`
# y el atajo es la identidad.

# %% part="ResidualBlock"

# %%
bloque = ResidualBlock(64, 128, stride=2)
print(tuple(bloque(torch.randn(2, 64, 32, 32)).shape))
print("atajo:", bloque.downsample)

# %%
check("ResidualBlock")

# %% [markdown]
# ## 8. ResNet-18
#
# ResNet-18 (2015) apila bloques residuales en cuatro etapas de 2 bloques cada una:
#
# 1. `conv1` 7×7, 64 canales, paso 2, relleno 3, sin sesgo; `bn1`; ReLU; `maxpool` 3×3,
#    paso 2, relleno 1;
# 2. `layer1` ... `layer4`: cada una un `nn.Sequential` de 2 `ResidualBlock`, con 64, 128, 256 y
#    512 canales; el primer bloque de `layer2`, `layer3` y `layer4` usa paso 2 (mitad de tamaño,
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
# ## 9. Aplicación: tu LeNet reconoce dígitos manuscritos
#
# Volvemos a los dígitos de la sección 0 (`load_digits`: 1797 imágenes de 8×8, con valores de
# 0 a 16), agrandados a 28×28 para que calcen con LeNet. Separamos un 25 % para
# medir la **exactitud en datos no vistos**; con las semillas fijas, el resultado es
# reproducible. Entrenar toma unos segundos en CPU.

# %%
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
# Ahora entrenamos tu LeNet, dibujamos la curva de aprendizaje y los mapas de características que
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
assert exactitud_test >= 0.95, "LeNet debería llegar a 95 % de exactitud: revisa tu LeNet"

# %% [markdown]
# ## Para terminar
#
# Ejecuta el cuaderno completo (`Kernel → Restart & Run All`) y revisa que todas las celdas
# `check(...)` digan que pasan. Lo que se corrige es el código de las ocho celdas de solución.
