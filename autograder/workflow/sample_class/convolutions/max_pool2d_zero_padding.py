def max_pool2d(x, kernel_size, stride=None, padding=0):
    # Error típico: rellena con ceros, así un cero del relleno "gana" a entradas negativas.
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    padded = F.pad(x, (pw, pw, ph, ph))  # value=0: el error
    windows = padded.unfold(2, kh, sh).unfold(3, kw, sw)
    return windows.amax(dim=(-2, -1))
