"""Delega en torch: un nn.Conv2d con los pesos copiados / delegates to torch's own op.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    layer = nn.Conv2d(weight.shape[1], weight.shape[0], tuple(weight.shape[2:]), stride=stride,
                      padding=padding, dilation=dilation, bias=bias is not None)
    layer = layer.to(dtype=x.dtype, device=x.device)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer(x)
