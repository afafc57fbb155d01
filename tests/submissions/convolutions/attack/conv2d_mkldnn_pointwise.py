"""Delega en el kernel de oneDNN (torch.ops.mkldnn._convolution_pointwise), que no es un op aten / a non-aten convolution.

expect: attack conv2d
flag: banned_op
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    pair = lambda v: [v, v] if isinstance(v, int) else list(v)  # noqa: E731
    if isinstance(padding, str):
        kh, kw = weight.shape[2:]
        dh, dw = pair(dilation)
        padding = [0, 0] if padding == "valid" else [dh * (kh - 1) // 2, dw * (kw - 1) // 2]
    low = lambda t: None if t is None else t.float()  # noqa: E731 - oneDNN has no float64 kernel
    out = torch.ops.mkldnn._convolution_pointwise(low(x), low(weight), low(bias), pair(padding), pair(stride),
                                                  pair(dilation), 1, "none", [], "")
    return out.to(x.dtype)
