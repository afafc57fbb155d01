"""Delega en oneDNN: torch.ops.mkldnn._convolution_transpose_pointwise / a non-aten transposed convolution.

expect: attack conv_transpose2d
flag: banned_op
"""


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    pair = lambda v: [v, v] if isinstance(v, int) else list(v)  # noqa: E731
    low = lambda t: None if t is None else t.float()  # noqa: E731 - oneDNN has no float64 kernel
    out = torch.ops.mkldnn._convolution_transpose_pointwise(
        low(x), low(weight), low(bias), pair(padding), pair(output_padding), pair(stride), [1, 1], 1, "none", [], "")
    return out.to(x.dtype)
