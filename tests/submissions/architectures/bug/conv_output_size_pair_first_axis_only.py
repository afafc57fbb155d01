"""Con pares usa sólo el primer valor en los dos ejes / a pair's first value used for both axes.

expect: bug conv_output_size
witness: conv_output_size((13, 9), (3, 2), stride=(2, 1))
"""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    def first(value):
        return value[0] if isinstance(value, (tuple, list)) else value

    n, k, s, p, d = (first(a) for a in (size, kernel_size, stride, padding, dilation))
    out = (n + 2 * p - d * (k - 1) - 1) // s + 1
    if any(isinstance(a, (tuple, list)) for a in (size, kernel_size, stride, padding, dilation)):
        return (out, out)
    return out
