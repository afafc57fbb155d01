"""sys.exit(0) al importar: "terminé bien" / sys.exit(0) at import time.

expect: attack *
status: load_error
"""
import sys as _sys

_sys.exit(0)
