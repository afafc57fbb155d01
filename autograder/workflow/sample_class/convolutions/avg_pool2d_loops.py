def avg_pool2d(x, kernel_size, stride=None, padding=0):
    # Correcta pero ingenua: un bucle por cada posición de la ventana de salida.
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    if min(kh, kw, sh, sw) <= 0 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw:
        raise RuntimeError("avg_pool2d: argumentos inválidos")
    n, c, h, w = x.shape
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError("avg_pool2d: la salida quedaría vacía")
    padded = F.pad(x, (pw, pw, ph, ph))
    rows = []
    for i in range(oh):
        row = []
        for j in range(ow):
            window = padded[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            row.append(window.sum(dim=(-2, -1)) / (kh * kw))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
