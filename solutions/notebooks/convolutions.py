# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tarea 1: Convolución, pooling y convolución transpuesta
#
# *Redes convolucionales y sus aplicaciones.*
#
# En la clase vimos que una red convolucional aprende **sus propias características** a partir
# de la imagen, en vez de recibir características manuales. Las piezas con que lo hace son pocas:
# la **convolución** (un filtro que se desliza por la imagen), el **pooling** (que resume
# vecindades) y, para volver a agrandar un mapa de características, la **convolución
# transpuesta**. En esta tarea escribes esas piezas con operaciones de tensores de PyTorch,
# tal como las calcula `torch.nn.functional`.
#
# **Cómo trabajar.** Completa cada celda que dice `raise NotImplementedError()`, ejecútala y
# luego ejecuta la celda de ejemplo y la celda `check(...)` que la siguen: `check` compara tu
# función con la de PyTorch en muchos casos y te dice, en español, qué caso falla.
#
# **Qué está permitido.** Operaciones de tensores de `torch` (indexación, `reshape`, `sum`,
# `max`, `@`, `einsum`, `as_strided`...), `F.pad`, `F.unfold` / `F.fold` y tus propias funciones
# anteriores (por ejemplo, usar `conv2d` dentro de `conv_transpose2d`). Todo debe quedar en
# `torch` (nada de `numpy`), para que los gradientes fluyan.
#
# **Qué no está permitido.** La implementación de PyTorch de la misma operación que estás
# escribiendo: `F.conv2d`, `torch.conv2d`, `nn.Conv2d`, `F.max_pool2d`, `F.avg_pool2d`,
# `F.conv_transpose2d` ni ningún alias de ellas. El corrector lo detecta y la parte vale 0.
#
# Todas las entradas son tensores 4D con forma `(N, C, H, W)`: lote, canales, alto y ancho.

# %%
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
from autograder.public import check

# %% [markdown]
# ## 1. La convolución como capa: `conv2d`
#
# Una capa convolucional tiene `C_out` filtros; cada filtro tiene forma `(C_in, kH, kW)`, es
# decir, mira **todos** los canales de entrada a la vez. Para cada posición de la ventana, la
# salida es el producto punto entre el filtro y la ventana, más un sesgo:
#
# $$y[n, o, i, j] = b[o] + \sum_{c, u, v} w[o, c, u, v]\; x[n, c,\; i s + u d,\; j s + v d]$$
#
# donde $s$ es el *stride* (paso) y $d$ la *dilatación*. Observa que el filtro **no se invierte**:
# lo que las redes llaman "convolución" es en realidad una **correlación cruzada**. Invertir el
# filtro no cambiaría lo que la red puede aprender (los pesos se aprenden igual, sólo quedarían
# rotados), así que las bibliotecas se ahorran ese paso y tú también debes hacerlo.
#
# **Tamaño de la salida.** Con relleno (*padding*) $p$, un filtro de tamaño $k$, paso $s$ y
# dilatación $d$:
#
# $$H_{out} = \left\lfloor \frac{H + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$$
#
# (igual para el ancho). `padding='valid'` significa sin relleno; `padding='same'` rellena lo
# justo para que la salida tenga el tamaño de la entrada (sólo con stride 1; si el relleno total
# es impar, la fila o columna extra va abajo / a la derecha, como en PyTorch).
#
# *Pista:* `F.unfold` entrega todas las ventanas como columnas de una matriz; con los filtros
# aplanados como filas, la convolución entera es **un** producto de matrices.

# %% part="conv2d"

# %% [markdown]
# Un ejemplo pequeño: una imagen 4×4 con los números 0..15 y un filtro 2×2 de unos (cada salida
# es la suma de una ventana 2×2). Con `stride=2` y `padding=1`, la fórmula da
# $\lfloor (4 + 2 - 2)/2 \rfloor + 1 = 3$.

# %%
x = torch.arange(16.0).reshape(1, 1, 4, 4)
filtro = torch.ones(1, 1, 2, 2)
print(conv2d(x, filtro))
print("forma con stride=2 y padding=1:", tuple(conv2d(x, filtro, stride=2, padding=1).shape))

# %%
check("conv2d")

# %% [markdown]
# ### Un filtro de bordes sobre un dígito
#
# Antes de las redes profundas, las características se diseñaban a mano: por ejemplo, los filtros
# de Sobel responden a los bordes verticales y horizontales. Una capa convolucional hace lo mismo,
# pero **aprende** sus filtros. Aquí aplicamos su `conv2d` con dos filtros de Sobel (una sola
# llamada: `C_out = 2`) a un dígito manuscrito de scikit-learn, agrandado a 28×28.

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

digito = torch.tensor(load_digits().images[0], dtype=torch.float32)[None, None] / 16.0
digito = F.interpolate(digito, size=(28, 28), mode="bilinear", align_corners=False)
sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
filtros_sobel = torch.stack([sobel_x, sobel_x.T])[:, None]  # (C_out=2, C_in=1, 3, 3)

mapas = conv2d(digito, filtros_sobel, padding="same")
magnitud = mapas.pow(2).sum(dim=1).sqrt()

fig, ejes = plt.subplots(1, 4, figsize=(12, 3))
for eje, imagen, titulo in zip(
    ejes,
    [digito[0, 0], mapas[0, 0], mapas[0, 1], magnitud[0]],
    ["dígito (28×28)", "bordes verticales", "bordes horizontales", "magnitud del borde"],
):
    eje.imshow(imagen, cmap="gray")
    eje.set_title(titulo)
    eje.axis("off")
plt.show()
print("forma de los mapas de características:", tuple(mapas.shape))

# %% [markdown]
# ## 2. Pooling: `max_pool2d` y `avg_pool2d`
#
# Después de una convolución suele venir una capa de *pooling*: cada ventana `kH × kW` se resume
# en un número, canal por canal (el pooling no mezcla canales y no tiene pesos). El **max
# pooling** se queda con el máximo (¿apareció la característica en algún lugar de la vecindad?)
# y el **average pooling** con el promedio. Con ventanas 2×2 y paso 2 el mapa queda de la mitad
# de alto y de ancho: la red gana invariancia a pequeñas traslaciones y las capas siguientes ven
# una región más grande de la imagen con el mismo costo.
#
# El tamaño de la salida es el de la convolución con $d = 1$:
# $H_{out} = \lfloor (H + 2p - k)/s \rfloor + 1$, y el paso por defecto es el tamaño de la
# ventana. El relleno (a lo más `kernel_size // 2`) se comporta distinto en cada uno:
#
# * en `max_pool2d` una celda de relleno **nunca** gana el máximo, aunque la entrada sea negativa
#   (piensa en rellenar con $-\infty$);
# * en `avg_pool2d` el relleno vale 0 y **sí cuenta** en el promedio (`count_include_pad=True`):
#   siempre se divide por `kH * kW`.

# %% part="max_pool2d"

# %%
x = torch.arange(16.0).reshape(1, 1, 4, 4)
print(max_pool2d(x, 2))
print("con relleno y entrada negativa:", max_pool2d(-x - 1, 3, stride=2, padding=1))

# %%
check("max_pool2d")

# %% part="avg_pool2d"

# %%
x = torch.arange(16.0).reshape(1, 1, 4, 4)
print(avg_pool2d(x, 2))
print("el relleno cuenta en el promedio:", avg_pool2d(torch.ones(1, 1, 2, 2), 3, stride=1, padding=1))

# %%
check("avg_pool2d")

# %% [markdown]
# ## 3. Convolución transpuesta: `conv_transpose2d`
#
# Una red que segmenta (U-Net, en la tarea 3) necesita volver a **agrandar** sus mapas de
# características. La convolución transpuesta es un sobremuestreo aprendible: cada píxel de
# entrada "pinta" en la salida una copia del filtro escalada por su valor, desplazada `stride`
# posiciones por píxel, y las copias se suman.
#
# Como dice la clase, **la convolución transpuesta no es equivalente a la convolución inversa**:
# no deshace una convolución, **equivale a un sobremuestreo**. Con stride 1 equivale a rellenar
# la entrada con $(f-1, f-1)$ ceros por lado, donde $f$ es el tamaño del filtro, y aplicar una
# convolución con el filtro rotado en 180°. Con stride $s$ se insertan además $s - 1$ ceros
# entre píxeles vecinos. El tamaño de la salida es
#
# $$H_{out} = (H - 1)\,s - 2p + k + \text{output\_padding}$$
#
# donde `padding` *recorta* $p$ filas de cada borde y `output_padding` (menor que el stride)
# agrega filas abajo / a la derecha. Atención: aquí los filtros tienen forma
# `(C_in, C_out, kH, kW)`, al revés que en `conv2d`.
#
# **El ejemplo de la clase.** Entrada $\begin{bmatrix}0&1\\2&3\end{bmatrix}$, filtro
# $\begin{bmatrix}1&2\\3&4\end{bmatrix}$: la salida 3×3 es la suma de las cuatro copias del
# filtro, escaladas por 0, 1, 2 y 3 y ubicadas donde cae cada píxel:

# %%
entrada = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
filtro = torch.tensor([[1.0, 2.0], [3.0, 4.0]])

suma = torch.zeros(3, 3)
for i in range(2):
    for j in range(2):
        copia = torch.zeros(3, 3)
        copia[i : i + 2, j : j + 2] = entrada[i, j] * filtro
        print(f"píxel ({i}, {j}) = {entrada[i, j].item():.0f}:\n{copia}\n")
        suma += copia
print("suma:\n", suma)

# %% part="conv_transpose2d"

# %% [markdown]
# Tu función debe reproducir el ejemplo de la clase (y, con paso 2, duplicar el tamaño):

# %%
resultado = conv_transpose2d(entrada[None, None], filtro[None, None])
print(resultado[0, 0])
assert torch.equal(resultado[0, 0], torch.tensor([[0.0, 1.0, 2.0], [2.0, 10.0, 10.0], [6.0, 17.0, 12.0]]))
print("stride=2:", tuple(conv_transpose2d(torch.ones(1, 3, 4, 4), torch.ones(3, 5, 2, 2), stride=2).shape))

# %%
check("conv_transpose2d")

# %% [markdown]
# ## Para terminar
#
# Ejecuta el cuaderno completo (`Kernel → Restart & Run All`) y revisa que todas las celdas
# `check(...)` digan que pasan. Lo que se corrige es el código de las cuatro celdas de solución;
# las pruebas ocultas usan más casos que los de `check`.
