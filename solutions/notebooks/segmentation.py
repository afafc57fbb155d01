# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tarea 3: U-Net y segmentación semántica
#
# *Redes convolucionales y sus aplicaciones.*
#
# Clasificar una imagen entrega **una** etiqueta; la **segmentación semántica** entrega una
# etiqueta **por píxel** (fondo, figura, tumor, calle...). La salida tiene el alto y el ancho de
# la imagen, así que la red debe volver a agrandar lo que el pooling achicó. U-Net
# (Ronneberger, Fischer y Brox, 2015) lo hace con una forma de "U":
#
# * un **codificador** (contracción): bloques de dos convoluciones 3×3 y max pooling 2×2, que
#   reducen el tamaño y duplican los canales: el *qué* hay en la imagen;
# * un **decodificador** (expansión): convoluciones transpuestas 2×2 con stride 2 (el
#   sobremuestreo de la tarea 1), que duplican el tamaño y reducen los canales;
# * **conexiones de salto** (*skip connections*): en cada nivel, el mapa del codificador se
#   **concatena** con el del decodificador. El decodificador recupera así el detalle fino (el
#   *dónde*) que se perdió al reducir, y los bordes de la máscara quedan precisos.
#
# **Cómo trabajar.** Completa cada celda con `raise NotImplementedError()`, ejecútala y luego
# ejecuta el ejemplo y la celda `check(...)`.
#
# **Qué está permitido.** Operaciones de tensores y las capas de `torch.nn` (`nn.Conv2d`,
# `nn.ConvTranspose2d`, `nn.MaxPool2d`, `nn.ModuleList`...), y tus propias piezas anteriores:
# `UNet` debe usar **tu** `DoubleConv` y **tu** `center_crop`.

# %%
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
from autograder.public import check

# %% [markdown]
# ## 1. Recortar el centro: `center_crop`
#
# En el artículo original las convoluciones no usan relleno (padding 0): cada convolución 3×3
# quita un píxel por borde, así que el mapa del codificador es **más grande** que el del
# decodificador con el que se concatena. U-Net recorta el **centro** del mapa del codificador
# para que calcen. Para un tensor `(N, C, H, W)` y un tamaño `(h, w)`, el recorte empieza en la
# fila `top = (H - h) // 2` y la columna `left = (W - w) // 2`. `size` puede ser un par (por
# ejemplo `otro.shape[-2:]`) o un entero; un tamaño mayor que la entrada es un error
# (`ValueError`).

# %% part="center_crop"

# %%
x = torch.arange(16.0).reshape(1, 1, 4, 4)
print(x[0, 0])
print(center_crop(x, (2, 3))[0, 0])

# %%
check("center_crop")

# %% [markdown]
# ## 2. El bloque de cada nivel: `DoubleConv`
#
# Cada nivel de U-Net aplica dos convoluciones 3×3, cada una seguida de ReLU: `conv1`
# (`in_channels` → `out_channels`) y `conv2` (`out_channels` → `out_channels`), ambas con sesgo,
# sin batch norm (como en el artículo) y con el `padding` dado. Con `padding=0` cada
# convolución quita 2 píxeles por eje (recuerda la fórmula $H_{out} = H + 2p - k + 1$); con
# `padding=1` el tamaño se conserva.

# %% part="DoubleConv"

# %%
print(tuple(DoubleConv(1, 4, padding=0)(torch.randn(2, 1, 10, 9)).shape))
print(tuple(DoubleConv(1, 4, padding=1)(torch.randn(2, 1, 10, 9)).shape))

# %%
check("DoubleConv")

# %% [markdown]
# ## 3. `UNet`
#
# Con `b = base_channels` y `depth` niveles de reducción:
#
# * `down`: `nn.ModuleList` de `depth + 1` `DoubleConv` (`in_channels` → b, b → 2b, ...,
#   → 2^depth·b), con max pooling 2×2 entre uno y otro; guarda la salida de cada nivel (menos el
#   más profundo) para los saltos;
# * `up`: `nn.ModuleList` de `depth` `nn.ConvTranspose2d` (filtro 2×2, paso 2), del nivel más
#   profundo al menos profundo: `up[i]` va de 2^(depth−i)·b a 2^(depth−i−1)·b canales;
# * `up_conv`: `nn.ModuleList` de `depth` `DoubleConv` (2^(depth−i)·b → 2^(depth−i−1)·b);
#   todas las `DoubleConv` usan el `padding` de la U-Net;
# * `head`: convolución 1×1, b → `num_classes`: un *logit* por clase y píxel.
#
# Paso `i` del decodificador: `x = up[i](x)`; luego
# `x = torch.cat([center_crop(salto, x.shape[-2:]), x], dim=1)` (el salto primero); luego
# `x = up_conv[i](x)`. Observa que después de concatenar hay 2^(depth−i)·b canales: la mitad viene
# del salto y la mitad del sobremuestreo.
#
# Con `padding=0` tu red reproduce la figura del artículo: una entrada de 572×572 da una salida
# de 388×388. Con `padding=1` la salida tiene el tamaño de la entrada si H y W son múltiplos de
# 2^depth.

# %% part="UNet"

# %% [markdown]
# La U-Net del artículo (`padding=0`, `depth=4`), aquí con pocos canales para que sea rápida, y
# una U-Net con `padding=1`:

# %%
unet_articulo = UNet(in_channels=1, num_classes=2, base_channels=2, depth=4, padding=0)
with torch.no_grad():
    print("padding=0:", tuple(unet_articulo(torch.randn(1, 1, 572, 572)).shape))
    print("padding=1:", tuple(UNet(base_channels=4, depth=3)(torch.randn(2, 1, 48, 64)).shape))

# %%
check("UNet")

# %% [markdown]
# ## 4. Aplicación: segmentar figuras sintéticas
#
# Generamos imágenes de 48×48 con ruido, un gradiente de iluminación y entre una y tres figuras
# (círculos, rectángulos y triángulos, dibujados con `skimage.draw`) un poco más claras que el
# fondo. La máscara verdadera vale 1 en las figuras y 0 en el fondo. Tu U-Net (pequeña:
# `base_channels=8`, `depth=3`) aprende a predecir la clase de cada píxel.
#
# Medimos la **intersección sobre unión** (IoU) de cada clase en las imágenes de prueba,
# $\mathrm{IoU}_c = |\text{predicho}_c \cap \text{verdadero}_c| \,/\, |\text{predicho}_c \cup
# \text{verdadero}_c|$, y su promedio sobre las dos clases (*mean IoU*). La meta es un mean IoU de
# al menos 0,8.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from skimage.draw import disk, polygon, rectangle


def figuras_sinteticas(cantidad, lado=48, semilla=0):
    """Imágenes (cantidad, 1, lado, lado) con figuras claras sobre fondo ruidoso, y sus máscaras."""
    rng = np.random.default_rng(semilla)
    imagenes = np.zeros((cantidad, lado, lado), np.float32)
    mascaras = np.zeros((cantidad, lado, lado), np.int64)
    for k in range(cantidad):
        imagen = rng.normal(0.3, 0.1, (lado, lado)) + np.linspace(0, rng.uniform(-0.2, 0.2), lado)
        mascara = np.zeros((lado, lado), bool)
        for _ in range(rng.integers(1, 4)):
            fila, columna = rng.integers(6, lado - 6, size=2)
            tamano = rng.integers(4, 10)
            forma = rng.integers(3)
            if forma == 0:
                filas, columnas = disk((fila, columna), tamano, shape=mascara.shape)
            elif forma == 1:
                filas, columnas = rectangle((fila - tamano // 2, columna - tamano), extent=(tamano, 2 * tamano), shape=mascara.shape)
            else:
                filas, columnas = polygon(
                    [fila - tamano, fila + tamano, fila + tamano], [columna, columna - tamano, columna + tamano], shape=mascara.shape
                )
            mascara[filas, columnas] = True
            imagen[filas, columnas] += rng.uniform(0.2, 0.5)
        imagenes[k], mascaras[k] = imagen, mascara
    return torch.from_numpy(imagenes)[:, None], torch.from_numpy(mascaras)


def iou_por_clase(prediccion, verdad, clases=2):
    return [((prediccion == c) & (verdad == c)).sum().item() / ((prediccion == c) | (verdad == c)).sum().item() for c in range(clases)]


def entrenar_segmentacion(modelo, x, y, epocas=12, lote=16, lr=3e-3):
    """Adam + entropía cruzada por píxel; devuelve la pérdida media de cada época."""
    optimizador = torch.optim.Adam(modelo.parameters(), lr=lr)
    perdidas = []
    for _ in range(epocas):
        modelo.train()
        orden = torch.randperm(len(x))
        suma = 0.0
        for inicio in range(0, len(x), lote):
            indices = orden[inicio : inicio + lote]
            perdida = F.cross_entropy(modelo(x[indices]), y[indices])
            optimizador.zero_grad()
            perdida.backward()
            optimizador.step()
            suma += perdida.item() * len(indices)
        perdidas.append(suma / len(x))
    return perdidas


def graficar_mascaras(x, verdad, prediccion, cuantas=4):
    fig, ejes = plt.subplots(3, cuantas, figsize=(2.5 * cuantas, 7.5))
    for k in range(cuantas):
        for fila, (imagen, titulo) in enumerate([(x[k, 0], "imagen"), (verdad[k], "máscara verdadera"), (prediccion[k], "máscara predicha")]):
            ejes[fila, k].imshow(imagen, cmap="gray")
            ejes[fila, k].set_title(titulo)
            ejes[fila, k].axis("off")
    plt.show()


x_entr, y_entr = figuras_sinteticas(384, semilla=0)
x_test, y_test = figuras_sinteticas(128, semilla=1)
print("entrenamiento:", tuple(x_entr.shape), "prueba:", tuple(x_test.shape), f"fracción de figura: {y_entr.float().mean():.2f}")

# %% [markdown]
# Entrenamos tu U-Net, medimos el mean IoU en las imágenes de prueba y dibujamos algunas máscaras
# predichas junto a las verdaderas.

# %%
torch.manual_seed(0)
inicio = time.process_time()  # segundos de CPU: no dependen de qué más corre en la máquina
unet = UNet(in_channels=1, num_classes=2, base_channels=8, depth=3)
perdidas = entrenar_segmentacion(unet, x_entr, y_entr)
segundos_entrenamiento = time.process_time() - inicio

unet.eval()
with torch.no_grad():
    prediccion = unet(x_test).argmax(dim=1)
iou_fondo, iou_figura = iou_por_clase(prediccion, y_test)
iou_medio = (iou_fondo + iou_figura) / 2
print(f"segundos_entrenamiento = {segundos_entrenamiento:.1f}")
print(f"IoU fondo = {iou_fondo:.3f}, IoU figura = {iou_figura:.3f}")
print(f"iou_medio = {iou_medio:.4f}")

plt.plot(range(1, len(perdidas) + 1), perdidas, marker="o")
plt.xlabel("época")
plt.ylabel("pérdida de entrenamiento")
plt.show()
graficar_mascaras(x_test, y_test, prediccion)
assert iou_medio >= 0.8, "la U-Net debería llegar a un mean IoU de 0,8: revisa tu UNet"

# %% [markdown]
# ## Para terminar
#
# Ejecuta el cuaderno completo (`Kernel → Restart & Run All`) y revisa que todas las celdas
# `check(...)` digan que pasan. Lo que se corrige es el código de las tres celdas de solución.
