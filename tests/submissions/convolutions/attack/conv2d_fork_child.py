"""Calcula F.conv2d en un hijo creado con fork() y lee el resultado por una tubería / computes in a fork child.

expect: attack conv2d
flag: tampering
"""
import os as _os


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    read_end, write_end = _os.pipe()
    child = _os.fork()
    if child == 0:
        _os.close(read_end)
        try:
            out = F.conv2d(x.detach(), weight.detach(), None if bias is None else bias.detach(),
                           stride, padding, dilation)
            data = repr((tuple(out.shape), out.flatten().tolist())).encode()
        except BaseException as exc:  # noqa: BLE001
            data = repr(("error", str(exc))).encode()
        while data:
            data = data[_os.write(write_end, data):]
        _os._exit(0)
    _os.close(write_end)
    chunks = []
    while chunk := _os.read(read_end, 1 << 16):
        chunks.append(chunk)
    _os.close(read_end)
    _os.waitpid(child, 0)
    shape, values = eval(b"".join(chunks).decode())
    if shape == "error":
        raise RuntimeError(values)
    return torch.tensor(values, dtype=x.dtype).reshape(shape)
