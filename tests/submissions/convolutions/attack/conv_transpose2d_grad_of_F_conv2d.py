"""Delega en torch: la transpuesta como gradiente de F.conv2d (torch.nn.grad) / conv2d's backward.

expect: attack conv_transpose2d
flag: banned_op
witness: conv_transpose2d(randn(2, 3, 4, 5), randn(3, 2, 3, 2), randn(2), 2, 1, 1)
"""


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (s_h, s_w), (p_h, p_w), (o_h, o_w) = pair(stride), pair(padding), pair(output_padding)
    size = [x.shape[0], weight.shape[1],
            (x.shape[2] - 1) * s_h - 2 * p_h + weight.shape[2] + o_h,
            (x.shape[3] - 1) * s_w - 2 * p_w + weight.shape[3] + o_w]
    out = torch.nn.grad.conv2d_input(size, weight, x, (s_h, s_w), (p_h, p_w))
    return out if bias is None else out + bias.view(1, -1, 1, 1)
