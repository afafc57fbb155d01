"""No recorta el padding de la salida / padding not cropped from the output.

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 4, 3), randn(2, 2, 3, 3), None, 1, 1)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    return _reference_conv_transpose2d(x, weight, bias, stride, 0, output_padding)
