"""Reference solutions of the assignment "convolutions": the convolution as a layer, pooling and
the transposed convolution, written with ordinary tensor operations.

SECRET: this file is the one source of each part. The notebook generator copies the text of each
top-level definition (docstring and nbgrader markers included) into the student's cell, and
`nbgrader generate_assignment` turns every ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
region into ``raise NotImplementedError()``. So each part is self-contained: whatever a body needs
is defined inside its own solution region. Only the notebook's fixed import cell (below) is shared.

None of these functions calls torch's own implementation of the operation it computes
(``F.conv2d``, ``F.max_pool2d``, ...): they are built from ``F.pad``, ``F.unfold`` (the sliding
windows, "im2col") and a matrix product, so they stay differentiable and run on any device.
Example::

    >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).flatten().tolist()
    [5.0, 7.0, 13.0, 15.0]
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Convolución 2D (en realidad, correlación cruzada: el filtro NO se invierte), como una capa.

    Cada canal de salida es la suma, sobre todos los canales de entrada, de deslizar su filtro
    por la imagen: ``y[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] * x_pad[n, c, i*s + u*d, j*s + v*d]``.

    Argumentos:
        x: tensor (N, C_in, H, W).
        weight: filtros (C_out, C_in, kH, kW).
        bias: tensor (C_out,) o None.
        stride, dilation: un entero o un par (alto, ancho), mayores que cero.
        padding: un entero, un par (alto, ancho), ``'valid'`` (sin relleno) o ``'same'`` (la
            salida conserva el tamaño; sólo con stride 1; si el relleno total es impar, la fila o
            columna extra va abajo / a la derecha, como en PyTorch).

    Devuelve un tensor (N, C_out, H_out, W_out) con
    ``H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1`` (igual para W). Acepta tensores en cualquier
    disposición de memoria (p. ej. transpuestos: usa ``reshape``, no ``view``) y devuelve el dtype
    de ``x`` (float32 o float64).

    Argumentos inválidos (lanza la misma excepción que ``F.conv2d``):
        - los canales de x y de weight no coinciden: ``RuntimeError``
        - el filtro (dilatado) no cabe en la entrada rellenada: ``RuntimeError``
        - padding='same' con stride > 1: ``RuntimeError``
        - padding es un texto distinto de 'same' y 'valid': ``RuntimeError``
        - stride no positivo: ``RuntimeError``
        - dilation no positiva: ``RuntimeError``
        - padding negativo: ``RuntimeError``

    Ejemplo:
        >>> x = torch.arange(9.).reshape(1, 1, 3, 3)
        >>> conv2d(x, torch.ones(1, 1, 2, 2)).squeeze().tolist()
        [[8.0, 12.0], [20.0, 24.0]]
    """
    ### BEGIN SOLUTION
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    if x.dim() != 4:
        raise RuntimeError(f"se espera una entrada 4D (N, C, H, W); llegó una de forma {tuple(x.shape)}")
    n, c_in, h, w = x.shape
    c_out, c_w, kh, kw = weight.shape
    if c_w != c_in:
        raise RuntimeError(f"los filtros esperan {c_w} canales de entrada, pero x tiene {c_in}")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise RuntimeError(f"`bias` debe tener forma ({c_out},); llegó {tuple(bias.shape)}")
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    if min(sh, sw) <= 0:
        raise RuntimeError("el stride debe ser positivo")
    if min(dh, dw) <= 0:
        raise RuntimeError("la dilatación debe ser mayor que cero")

    # Relleno de cada lado: (arriba, abajo, izquierda, derecha).
    if isinstance(padding, str):
        if padding == "valid":
            top = bottom = left = right = 0
        elif padding == "same":
            if (sh, sw) != (1, 1):
                raise RuntimeError("padding='same' no está permitido con stride > 1")
            total_h, total_w = dh * (kh - 1), dw * (kw - 1)
            top, left = total_h // 2, total_w // 2
            bottom, right = total_h - top, total_w - left  # lo impar va abajo / a la derecha
        else:
            raise RuntimeError(f"padding inválido: {padding!r} (use 'valid', 'same' o enteros)")
    else:
        ph, pw = pair(padding)
        if min(ph, pw) < 0:
            raise RuntimeError("el padding no puede ser negativo")
        top, bottom, left, right = ph, ph, pw, pw

    padded_h, padded_w = h + top + bottom, w + left + right
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # tamaño efectivo del filtro dilatado
    if span_h > padded_h or span_w > padded_w:
        raise RuntimeError(
            f"el filtro ({span_h}x{span_w}) es más grande que la entrada rellenada ({padded_h}x{padded_w})"
        )
    out_h = (padded_h - span_h) // sh + 1
    out_w = (padded_w - span_w) // sw + 1

    x_padded = F.pad(x, (left, right, top, bottom))
    # Cada columna de `windows` es una ventana aplanada: (N, C_in * kH * kW, H_out * W_out).
    windows = F.unfold(x_padded, (kh, kw), dilation=(dh, dw), stride=(sh, sw))
    # Un producto punto entre cada filtro aplanado y cada ventana.
    out = weight.reshape(c_out, -1) @ windows  # (N, C_out, H_out * W_out)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1)
    return out.reshape(n, c_out, out_h, out_w)
    ### END SOLUTION


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max-pooling 2D: el máximo de cada ventana, canal por canal.

    Argumentos:
        x: tensor (N, C, H, W).
        kernel_size: tamaño de la ventana, un entero o un par (kH, kW).
        stride: paso, un entero o un par; por defecto igual a ``kernel_size``.
        padding: relleno de cada lado, un entero o un par, a lo más ``kernel_size // 2``.
            Las celdas de relleno nunca ganan el máximo (valen -infinito), aunque la entrada sea
            negativa.

    Devuelve (N, C, H_out, W_out) con ``H_out = floor((H + 2p - k) / s) + 1`` (igual para W),
    del dtype de ``x``, para una entrada en cualquier disposición de memoria.

    Argumentos inválidos (lanza la misma excepción que ``F.max_pool2d``):
        - padding mayor que kernel_size // 2: ``RuntimeError``
        - stride no positivo: ``RuntimeError``
        - la ventana no cabe en la entrada rellenada: ``RuntimeError``

    Ejemplo:
        >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> max_pool2d(x, 2).squeeze().tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """
    ### BEGIN SOLUTION
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    if x.dim() != 4:
        raise RuntimeError(f"se espera una entrada 4D (N, C, H, W); llegó una de forma {tuple(x.shape)}")
    n, c, h, w = x.shape
    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    if min(kh, kw) <= 0 or min(sh, sw) <= 0:
        raise RuntimeError("kernel_size y stride deben ser positivos")
    if ph < 0 or pw < 0 or ph > kh // 2 or pw > kw // 2:
        raise RuntimeError("el padding debe estar entre 0 y kernel_size // 2")
    out_h = (h + 2 * ph - kh) // sh + 1
    out_w = (w + 2 * pw - kw) // sw + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"la ventana ({kh}x{kw}) es más grande que la entrada rellenada")

    # Relleno con -infinito: nunca gana el máximo.
    x_padded = F.pad(x, (pw, pw, ph, ph), value=-math.inf)
    windows = F.unfold(x_padded, (kh, kw), stride=(sh, sw))  # (N, C * kH * kW, L)
    windows = windows.reshape(n, c, kh * kw, out_h * out_w)
    return windows.max(dim=2).values.reshape(n, c, out_h, out_w)
    ### END SOLUTION


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average-pooling 2D: el promedio de cada ventana, canal por canal.

    Como ``F.avg_pool2d`` con ``count_include_pad=True``: las celdas de relleno valen 0 y cuentan
    en el promedio, así que siempre se divide por ``kH * kW``.

    Argumentos:
        x: tensor (N, C, H, W).
        kernel_size: tamaño de la ventana, un entero o un par (kH, kW).
        stride: paso, un entero o un par; por defecto igual a ``kernel_size``.
        padding: relleno de ceros de cada lado, un entero o un par, a lo más ``kernel_size // 2``.

    Devuelve (N, C, H_out, W_out) con ``H_out = floor((H + 2p - k) / s) + 1`` (igual para W),
    del dtype de ``x``, para una entrada en cualquier disposición de memoria.

    Argumentos inválidos (lanza la misma excepción que ``F.avg_pool2d``):
        - padding mayor que kernel_size // 2: ``RuntimeError``
        - stride no positivo: ``RuntimeError``
        - la ventana no cabe en la entrada rellenada: ``RuntimeError``

    Ejemplo:
        >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> avg_pool2d(x, 2).squeeze().tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """
    ### BEGIN SOLUTION
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    if x.dim() != 4:
        raise RuntimeError(f"se espera una entrada 4D (N, C, H, W); llegó una de forma {tuple(x.shape)}")
    n, c, h, w = x.shape
    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    if min(kh, kw) <= 0 or min(sh, sw) <= 0:
        raise RuntimeError("kernel_size y stride deben ser positivos")
    if ph < 0 or pw < 0 or ph > kh // 2 or pw > kw // 2:
        raise RuntimeError("el padding debe estar entre 0 y kernel_size // 2")
    out_h = (h + 2 * ph - kh) // sh + 1
    out_w = (w + 2 * pw - kw) // sw + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"la ventana ({kh}x{kw}) es más grande que la entrada rellenada")

    x_padded = F.pad(x, (pw, pw, ph, ph))  # ceros, que cuentan en el promedio
    windows = F.unfold(x_padded, (kh, kw), stride=(sh, sw))  # (N, C * kH * kW, L)
    windows = windows.reshape(n, c, kh * kw, out_h * out_w)
    return windows.mean(dim=2).reshape(n, c, out_h, out_w)
    ### END SOLUTION


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """Convolución transpuesta 2D: un sobremuestreo aprendible (no es la convolución inversa).

    Cada píxel de entrada "pinta" una copia del filtro, escalada por su valor, en la salida (con
    el paso ``stride``), y las copias se suman. Equivale a insertar ``stride - 1`` ceros entre
    los píxeles, rellenar con ``k - 1 - padding`` por lado y aplicar una convolución con el filtro
    invertido (rotado 180°). Tamaño de salida:
    ``H_out = (H - 1) * s - 2p + kH + output_padding`` (igual para W).

    Argumentos:
        x: tensor (N, C_in, H, W).
        weight: filtros (C_in, C_out, kH, kW) (¡al revés que en conv2d!).
        bias: tensor (C_out,) o None.
        stride, padding: un entero o un par (alto, ancho); stride > 0, padding >= 0.
        output_padding: filas / columnas extra abajo / a la derecha, un entero o un par, menor
            que el stride en cada eje.

    Devuelve el dtype de ``x``, para tensores en cualquier disposición de memoria.

    Argumentos inválidos (lanza la misma excepción que ``F.conv_transpose2d``):
        - los canales de x y de weight no coinciden: ``RuntimeError``
        - output_padding no menor que el stride: ``RuntimeError``
        - stride no positivo: ``RuntimeError``
        - el padding deja la salida vacía: ``RuntimeError``

    Ejemplo (el de la clase):
        >>> x = torch.tensor([[[[0., 1.], [2., 3.]]]])
        >>> k = torch.tensor([[[[1., 2.], [3., 4.]]]])
        >>> conv_transpose2d(x, k).squeeze().tolist()
        [[0.0, 1.0, 2.0], [2.0, 10.0, 10.0], [6.0, 17.0, 12.0]]
    """
    ### BEGIN SOLUTION
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    if x.dim() != 4:
        raise RuntimeError(f"se espera una entrada 4D (N, C, H, W); llegó una de forma {tuple(x.shape)}")
    n, c_in, h, w = x.shape
    c_w, c_out, kh, kw = weight.shape
    if c_w != c_in:
        raise RuntimeError(f"los filtros esperan {c_w} canales de entrada, pero x tiene {c_in}")
    sh, sw = pair(stride)
    ph, pw = pair(padding)
    oph, opw = pair(output_padding)
    if min(sh, sw) <= 0:
        raise RuntimeError("el stride debe ser positivo")
    if min(ph, pw) < 0 or min(oph, opw) < 0:
        raise RuntimeError("padding y output_padding no pueden ser negativos")
    if oph >= sh or opw >= sw:
        raise RuntimeError("output_padding debe ser menor que el stride en cada eje")
    out_h = (h - 1) * sh - 2 * ph + kh + oph
    out_w = (w - 1) * sw - 2 * pw + kw + opw
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"la salida tendría tamaño {out_h}x{out_w}: el padding es demasiado grande")

    # 1) Insertar stride - 1 ceros entre píxeles vecinos.
    spread = x.new_zeros(n, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1)
    spread[:, :, ::sh, ::sw] = x
    # 2) Rellenar k - 1 - p por lado (un valor negativo recorta) y output_padding abajo/derecha.
    spread = F.pad(spread, (kw - 1 - pw, kw - 1 - pw + opw, kh - 1 - ph, kh - 1 - ph + oph))
    # 3) Convolución con el filtro rotado 180° y los canales intercambiados: (C_out, C_in, kH, kW).
    flipped = weight.flip(2, 3).transpose(0, 1)
    return conv2d(spread, flipped, bias)
    ### END SOLUTION
