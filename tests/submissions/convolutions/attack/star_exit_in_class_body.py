"""sys.exit(0) en el cuerpo de una clase: corre al cargar aunque la extracción deje fuera el código suelto / sys.exit(0) in a class body.

expect: attack *
status: load_error
"""
import sys as _sys


class _AlCargar:
    # A class body runs when the class is defined, so this reaches the worker through the real
    # extraction (the gate hands top-level attacks to the worker verbatim; this one needs no help).
    _sys.exit(0)
