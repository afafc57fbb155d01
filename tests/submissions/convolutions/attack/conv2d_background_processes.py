"""Deja procesos vivos: un subprocess durmiendo, un demonio con doble fork y muchos hijos / leftovers.

expect: attack conv2d
"""
import os as _os
import subprocess as _subprocess
import sys as _sys

_SLEEPER = [_sys.executable, "-c", "import time; time.sleep(600)", "__GATE_MARKER__"]


def _daemon():
    try:
        if _os.fork() == 0:
            _os.setsid()
            if _os.fork() == 0:
                _os.execv(_sys.executable, _SLEEPER)
            _os._exit(0)
    except OSError:
        pass


try:
    _subprocess.Popen(_SLEEPER, start_new_session=True)
except OSError:
    pass
_daemon()


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    for _ in range(100):  # far more than the process limit allows
        try:
            _subprocess.Popen(_SLEEPER, start_new_session=True)
        except OSError:
            break
    _daemon()
    return torch.zeros(1)
