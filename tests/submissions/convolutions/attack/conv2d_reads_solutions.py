"""Lee solutions/convolutions.py del repositorio y usa la solución de referencia / reads the reference.

expect: attack conv2d
needs: bubblewrap
"""
import os as _os


def _steal():
    for root in ("__GATE_OUTSIDE__", _os.getcwd(), "/work/main", "..", "../.."):
        path = _os.path.join(root, "solutions", "convolutions.py")
        try:
            with open(path, encoding="utf-8") as handle:
                stolen = {}
                exec(handle.read(), stolen)
                return stolen["conv2d"]
        except OSError:
            continue
    raise RuntimeError("no encontré la solución")


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _steal()(x, weight, bias, stride, padding, dilation)
