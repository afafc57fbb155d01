"""output_padding agrega filas de ceros en vez de calcularlas / output_padding appends zero rows.

expect: bug conv_transpose2d
witness: conv_transpose2d(randn(1, 2, 3, 3), randn(2, 2, 3, 3), randn(2), 2, 1, 1)
"""
_reference_conv_transpose2d = conv_transpose2d


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    op_h, op_w = (output_padding, output_padding) if isinstance(output_padding, int) else output_padding
    out = _reference_conv_transpose2d(x, weight, bias, stride, padding, 0)
    return F.pad(out, (0, op_w, 0, op_h))  # the extra cells do receive contributions when padding > 0
