"""Escribe reportes falsos (score 100) en el disco y pisa un archivo fuera del sandbox / forges report files.

expect: attack conv2d
"""
import json as _json
import os as _os

_FAKE = _json.dumps({"assignment": "convolutions", "score": 90.0, "max_score": 90.0, "status": "graded"})
for _target in ("__GATE_CANARY__", "__GATE_CANARY__.forged.json", "report.json", "result.json",
                "/tmp/result.json", _os.path.expanduser("~/report.json")):
    try:
        with open(_target, "w", encoding="utf-8") as _handle:
            _handle.write(_FAKE)
    except OSError:
        pass


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    try:
        _os.remove("__GATE_CANARY__")
    except OSError:
        pass
    return torch.zeros(1)
