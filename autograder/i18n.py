"""Every student- and instructor-facing string goes through here: gettext catalogs managed with Babel.

Message ids are English and live in the Python source (and the Jinja templates) inside a marker
call; their text in each language lives in ``autograder/locale/<lang>/LC_MESSAGES/<domain>.po``.
Spanish is complete (tests/test_messages_catalog.py checks it); English is the ids themselves.
Two domains, so that each audience's catalog can be read and reviewed on its own:

- ``student``: what a student reads (feedback pages, ``check()``, test messages, load notes).
  Mark with ``_("...")``, plural ``_n("...", "...", n)``, deferred ``N_("...")``.
- ``instructor``: the CLI, course.yaml's errors, the class report, workflow notes.
  Mark with ``_i("...")``, plural ``_in(...)``, deferred ``N_i("...")``.

Placeholders are ``str.format`` fields filled from keyword arguments *after* translation, so a
translator can move them. Never pass a string that came from a submission or the worker as the
message id: it would be a format template under the student's control (pass it as a field)::

    _("`{part}` used torch's implementation ({ops}).", part=part, ops=", ".join(ops))

The language is the course's ``course.language`` (``es`` by default): the CLI, the grading
session and ``check()`` call :func:`set_language` once they know the course. ``N_``-marked
constants are translated where they are shown: ``_(CONSTANT)``.

``make messages`` extracts the ids with Babel (``babel.cfg``) and merges them into the ``.po``
files; a translator then fills the new Spanish entries.
"""
from __future__ import annotations

import contextvars
import functools
import io
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS = ("student", "instructor")
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
#: Babel keyword specs per domain (``pybabel extract -k``): which marker calls feed which catalog.
KEYWORDS = {
    "student": {"_": None, "_n": (1, 2), "N_": None},
    "instructor": {"_i": None, "_in": (1, 2), "N_i": None},
}

_language: contextvars.ContextVar[str] = contextvars.ContextVar("autograder_language", default=DEFAULT_LANGUAGE)


def set_language(language: str | None) -> str:
    """Make ``language`` (a course's ``course.language``) the one messages are shown in; returns it.

    An unknown or empty language falls back to Spanish, the course's own language.
    """
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(chosen)
    return chosen


def current_language() -> str:
    return _language.get()


@functools.lru_cache(maxsize=None)
def translations(domain: str, language: str):
    """The compiled catalog of ``domain`` in ``language`` (read from its ``.po`` with Babel, once)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def _format(template: str, params: dict) -> str:
    return template.format(**params) if params else template


def _(message: str, /, **params) -> str:
    """A student-facing message in the current language, its ``{fields}`` filled from ``params``."""
    return _format(translations("student", current_language()).gettext(message), params)


def _n(singular: str, plural: str, count: int, /, **params) -> str:
    """A student-facing message with a count (``{count}`` is a field too)."""
    template = translations("student", current_language()).ngettext(singular, plural, count)
    return _format(template, {"count": count, **params})


def _i(message: str, /, **params) -> str:
    """An instructor-facing message in the current language."""
    return _format(translations("instructor", current_language()).gettext(message), params)


def _in(singular: str, plural: str, count: int, /, **params) -> str:
    """An instructor-facing message with a count."""
    template = translations("instructor", current_language()).ngettext(singular, plural, count)
    return _format(template, {"count": count, **params})


#: The longest field value :func:`from_untrusted` inserts; a longer one is cut.
UNTRUSTED_FIELD_CHARS = 2000


def from_untrusted(message: object, params: object = None) -> str:
    """A message the worker (student-controlled) sent as an id and fields, shown safely.

    Only an id of the student catalog is translated and formatted, and only with plain
    str/int/float fields, each cut to :data:`UNTRUSTED_FIELD_CHARS`; anything else is shown as
    the text it is, never used as a template (a ``{x:>999999999}`` would exhaust memory).
    """
    text = message if isinstance(message, str) else repr(message)
    catalog = translations("student", DEFAULT_LANGUAGE)
    if not text or text not in getattr(catalog, "_catalog", {}):
        return text
    fields = {}
    if isinstance(params, dict):
        for key, value in params.items():
            if isinstance(key, str) and key.isidentifier() and isinstance(value, (str, int, float)) \
                    and not isinstance(value, bool):
                fields[key] = str(value)[:UNTRUSTED_FIELD_CHARS]
    template = translations("student", current_language()).gettext(text)
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template


def N_(message: str) -> str:
    """Marks a student-facing constant for extraction; translate it where it is shown: ``_(X)``."""
    return message


def N_i(message: str) -> str:
    """Marks an instructor-facing constant for extraction; translate it where it is shown: ``_i(X)``."""
    return message
