"""Bucle infinito al importar (p. ej. un entrenamiento sin fin en una celda) / infinite loop at import.

expect: attack *
status: load_error
"""
while True:
    pass
