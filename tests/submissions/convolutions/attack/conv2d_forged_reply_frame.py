"""Escribe su propia respuesta (sin ops) en la tubería de respuestas y calla la del worker / forges the reply frame.

expect: attack conv2d
flag: banned_op
"""
import json as _json
import struct as _struct
import sys as _sys

_OUT_FD = int(_sys.argv[_sys.argv.index("--out-fd") + 1])
_protocol = _sys.modules["protocol"]
_real_write = _protocol.write_message
_pending = []


def _write_message(fd, header, buffers, deadline=None):
    if _pending and fd == _OUT_FD:  # the worker's own (truthful) reply to our call: swallow it
        _pending.clear()
        return None
    return _real_write(fd, header, buffers, deadline)


_protocol.write_message = _write_message


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    out = F.conv2d(x, weight, bias, stride, padding, dilation).detach().contiguous()
    data = out.numpy().tobytes()
    header = {"ok": True, "value": {"$array": 0, "dtype": str(out.dtype).removeprefix("torch."),
                                    "shape": list(out.shape)},
              "info": {"$dict": [["type", "torch.Tensor"], ["device", "cpu"], ["dtype", str(out.dtype)],
                                 ["requires_grad", False]]},
              "ops": {"$tuple": []}, "grads": {"$dict": []}, "seconds": 0.001, "$buffers": [len(data)]}
    raw = _json.dumps(header).encode()
    with open(_OUT_FD, "wb", closefd=False) as pipe:
        pipe.write(_struct.pack(">I", len(raw)) + raw + data)
    _pending.append(True)
    return out
