"""Student-facing wording (Spanish): how an array, a mismatch or a student's exception is shown.

Messages show a few numbers, never a wall of tensor, and never the hidden test or the reference
code. Example::

    >>> print(describe_mismatch(np.zeros((1, 2)), np.array([[0.0, 0.5]])))
    Esperado: forma (1, 2), valores [0, 0]
    Obtenido: forma (1, 2), valores [0, 0.5]
    Error absoluto máximo 0.5 en la posición (0, 1) (esperado 0, obtenido 0.5); difieren 1 de 2 valores.
"""
from __future__ import annotations
from autograder.i18n import _

import numpy as np

#: How many leading values an array's description shows.
SHOWN_VALUES = 6
#: How many lines of the student's own traceback a message keeps.
TRACEBACK_LINES = 6


def _number(value) -> str:
    return f"{value:.6g}" if isinstance(value, (float, np.floating)) else str(value)


def describe_array(array: np.ndarray) -> str:
    """``forma (2, 3), valores [0.1, -2, ...]``: the shape and the first few values."""
    flat = np.asarray(array).reshape(-1)
    shown = ", ".join(_number(v) for v in flat[:SHOWN_VALUES].tolist())
    more = ", …" if flat.size > SHOWN_VALUES else ""
    return _("shape {shape}, values [{values}]", shape=tuple(np.shape(array)), values=shown + more)


def describe_mismatch(expected: np.ndarray, got: np.ndarray) -> str:
    """Expected vs got (same shape): a few values each, the max abs error, where, and how many differ."""
    lines = [_("Expected: {array}", array=describe_array(expected)), _("Got: {array}", array=describe_array(got))]
    expected64 = np.asarray(expected, dtype=np.float64)
    got64 = np.asarray(got, dtype=np.float64)
    error = np.abs(got64 - expected64)
    # A NaN/inf where a number was expected is the worst error there is: point at it first.
    error = np.where(np.isfinite(error), error, np.inf)
    if error.size:
        where = np.unravel_index(int(np.argmax(error)), error.shape)
        differ = int(np.count_nonzero(~np.isclose(got64, expected64, rtol=1e-7, atol=1e-9, equal_nan=True)))
        worst = _("∞ (NaN or infinity)") if not np.isfinite(error[where]) else _number(float(error[where]))
        lines.append(
            _("Largest absolute error {worst} at position {position} (expected {expected}, got {got}); "
              "{differ} of {size} values differ.", worst=worst, position=tuple(int(i) for i in where),
              expected=_number(float(expected64[where])), got=_number(float(got64[where])), differ=differ,
              size=error.size)
        )
    return "\n".join(lines)


def student_error_text(exc_type: str, message: str, traceback_tail: str = "") -> str:
    """What a student's exception looks like in a report: type, message, their last frames."""
    text = _("Your code raised {type}: {message}", type=exc_type, message=message).rstrip()
    tail = [line for line in (traceback_tail or "").splitlines() if line.strip()][-TRACEBACK_LINES:]
    if tail:
        text += _("\nLast lines of your traceback:\n") + "\n".join(tail)
    return text
