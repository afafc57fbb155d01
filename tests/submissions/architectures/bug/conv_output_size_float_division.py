"""Divide con / y devuelve un float (28.0) / true division returns a float.

expect: bug conv_output_size
witness: conv_output_size(28, 5, padding=2)
"""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    def pair(value):
        return tuple(value) if isinstance(value, (tuple, list)) else (value, value)

    arguments = (size, kernel_size, stride, padding, dilation)
    output = tuple((n + 2 * p - d * (k - 1) - 1) / s + 1 for n, k, s, p, d in zip(*(pair(a) for a in arguments)))
    return output if any(isinstance(a, (tuple, list)) for a in arguments) else output[0]
