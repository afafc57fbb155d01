"""Failures the grading suites raise, and the input a failure message starts with.

``str(GradingFailure)`` is the complete student-facing message; ``describing(case)`` makes every
failure inside its block start with ``Entrada: <case.describe()>``. Example::

    with describing(case):
        fail("el resultado tiene forma (1, 2); se esperaba (2, 1).")
"""
from __future__ import annotations

import contextlib
import contextvars

from autograder.i18n import _


class GradingFailure(AssertionError):
    """A check failed; ``str(exc)`` is the complete student-facing message (Spanish)."""


class StudentRaised(GradingFailure):
    """The student's code raised; a failure unless the test expected an error (check_raises).

    ``exc_type`` is the name of the exception the student's code raised (e.g. "RuntimeError", as
    the worker said; None when unknown), ``exc_message`` its own message (without the feedback
    around it)."""

    def __init__(self, message: str = "", exc_type: str | None = None, exc_message: str = ""):
        super().__init__(message)
        self.exc_type, self.exc_message = exc_type, exc_message


_case_labels: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("case_labels", default=())


def _label_of(case) -> str:
    return case.describe() if hasattr(case, "describe") else str(case)


@contextlib.contextmanager
def describing(case, extra: str | None = None):
    """Within this block, a failure's message starts with the input (``case.describe()``).

    Example: ``with describing(case, "modo train"): check_close(got, expected)``.
    """
    labels = tuple(label for label in (_label_of(case) if case is not None else None, extra) if label)
    token = _case_labels.set(_case_labels.get() + labels)
    try:
        yield
    finally:
        _case_labels.reset(token)


def compose(message: str) -> str:
    """``message`` preceded by the input(s) being described, if any."""
    labels = _case_labels.get()
    head = "".join(_("Input: {input}\n", input=label) for label in labels[:1]) + "".join(f"({label})\n" for label in labels[1:])
    return head + message


def fail(message: str, failure: type[GradingFailure] = GradingFailure):
    """Raise ``failure`` with ``message`` preceded by the input being described."""
    raise failure(compose(message))


_notes: list[str] = []


def note(message: str) -> None:
    """Attach ``message`` to the running test even when it passes (e.g. "UNet matched the
    reference built from your own DoubleConv"); the grading plugin takes it into the report."""
    if message not in _notes:
        _notes.append(message)


def take_notes() -> list[str]:
    """The notes of the test that just ran, clearing them for the next one."""
    taken = list(_notes)
    _notes.clear()
    return taken
