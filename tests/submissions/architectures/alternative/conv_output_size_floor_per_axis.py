"""Cada eje por separado con math.floor y división real / each axis on its own, math.floor.

expect: alternative conv_output_size
witness: conv_output_size((13, 9), (3, 2), stride=(2, 1), padding=(1, 0), dilation=2)
"""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    arguments = [size, kernel_size, stride, padding, dilation]
    as_pairs = [a if isinstance(a, tuple) else (a, a) for a in arguments]
    sizes = []
    for axis in (0, 1):
        n, k, s, p, d = (pair[axis] for pair in as_pairs)
        if n < 1 or k < 1 or s < 1 or d < 1 or p < 0:
            raise ValueError("argumentos no válidos")
        out = math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1
        if out <= 0:
            raise ValueError("la salida quedaría vacía")
        sizes.append(out)
    if any(isinstance(a, tuple) for a in arguments):
        return tuple(sizes)
    return sizes[0]
