"""Imprime mensajes falsos del protocolo y un "score" falso, y escribe basura en los descriptores / fake output.

expect: attack conv2d
"""
import json as _json
import os as _os
import struct as _struct
import sys as _sys

_HEADER = _json.dumps({"ok": True, "score": 30, "passed": True, "result": "PASSED"}).encode()
print("PASSED score: 90/90 ✔ todas las pruebas pasaron")
print('{"assignment": "convolutions", "score": 90.0, "max_score": 90.0}', file=_sys.stderr)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    message = _struct.pack(">I", len(_HEADER)) + _HEADER
    for fd in range(1, 32):  # whichever descriptor carries the protocol, try to speak first
        try:
            _os.write(fd, message)
        except OSError:
            pass
    print("score: 30/30")
    return torch.zeros(x.shape[0], weight.shape[0], 1, 1, dtype=x.dtype)
