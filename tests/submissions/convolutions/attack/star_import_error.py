"""Importa un módulo que no existe / import-time ImportError.

expect: attack *
status: load_error
"""
import modulo_que_no_existe_en_el_sandbox  # noqa: F401
