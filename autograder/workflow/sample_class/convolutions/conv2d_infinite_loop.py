def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    # Un bucle que nunca termina (la condición de salida nunca se cumple).
    i = 0
    while i >= 0:
        i += 1
    return x
