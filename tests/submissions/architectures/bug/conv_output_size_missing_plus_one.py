"""Olvida el + 1 final de la fórmula / the final + 1 is missing.

expect: bug conv_output_size
witness: conv_output_size((224, 224), 11, stride=4, padding=2)
"""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    def pair(value):
        return tuple(value) if isinstance(value, (tuple, list)) else (value, value)

    arguments = (size, kernel_size, stride, padding, dilation)
    output = tuple((n + 2 * p - d * (k - 1) - 1) // s for n, k, s, p, d in zip(*(pair(a) for a in arguments)))
    return output if any(isinstance(a, (tuple, list)) for a in arguments) else output[0]
