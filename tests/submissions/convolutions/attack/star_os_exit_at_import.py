"""os._exit(0) al importar (sin limpieza) / os._exit(0) at import time.

expect: attack *
status: load_error
"""
import os as _os

_os._exit(0)
