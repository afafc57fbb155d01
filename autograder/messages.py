"""Instructor-facing messages of course.yaml's checks and the CLI's known errors, by key.

Each key names an English message id of the ``instructor`` catalog (:mod:`autograder.i18n`; its
Spanish is in ``autograder/locale/es/LC_MESSAGES/instructor.po``); the keys are pydantic's error
types and ours, so that one error type finds its message. ``course.yaml``'s ``course.language``
chooses the language (``es`` by default; ``en`` the second). Example::

    text("missing", "es", key="parts")       # 'falta la clave obligatoria `parts`'
"""
from __future__ import annotations

from autograder.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_i, current_language, translations

MESSAGES: dict[str, str] = {
    # --- reading the file -----------------------------------------------------------------------
    "unreadable": N_i("cannot read the course file ({reason})"),
    "too_big": N_i("the file has {size} bytes (at most {limit}); a course.yaml is a few KB"),
    "not_utf8": N_i("not UTF-8 (byte {offset}); save it as UTF-8"),
    "not_a_file": N_i("not a regular file (a folder, a FIFO or a device)"),
    "bad_yaml": N_i("not valid YAML: {problem}"),
    "too_deep": N_i("YAML nested too deeply"),
    "empty": N_i("the file is empty; it needs the sections `course` and `assignments`"),
    "several_documents": N_i("it holds more than one YAML document (`---`); keep one"),
    "not_mapping": N_i("expected a mapping with `course` and `assignments` at the top, not {got}"),
    "duplicate_key": N_i("key `{key}` is repeated (first at line {first}); keep one"),
    "alias_bomb": N_i("YAML aliases (`*`) expand to more than {limit} nodes; write the values without aliases"),
    "alias_cycle": N_i("a YAML alias (`*`) contains itself; write the value without aliases"),
    "bad_key": N_i("keys must be strings, not {got}"),
    # --- where ------------------------------------------------------------------------------------
    "assignment": N_i("assignment '{name}'"),
    "assignment_n": N_i("assignment #{n}"),
    "key": N_i("key `{key}`"),
    # --- what is wrong (pydantic's error types, and ours) -----------------------------------------
    "missing": N_i("the required key `{key}` is missing"),
    "extra_forbidden": N_i("unknown key `{key}`{hint}; keys accepted here: {accepted}"),
    "did_you_mean": N_i(" (did you mean `{guess}`?)"),
    "float_type": N_i("must be a number, not {got} (write it without quotes)"),
    "finite_number": N_i("must be a finite number, not {got}"),
    "int_type": N_i("must be a whole number, not {got}"),
    "string_type": N_i("must be a string, not {got}"),
    "bool_type": N_i("must be true or false, not {got}"),
    "dict_type": N_i("must be a mapping (key: value), not {got}"),
    "model_type": N_i("must be a mapping (key: value), not {got}"),
    "list_type": N_i("must be a list (lines starting with `- `), not {got}"),
    "datetime": N_i("must be a date and time with a UTC offset, e.g. 2026-12-11T23:59:00-03:00, not {got}"),
    "path_type": N_i("must be a path (a string), not {got}"),
    "greater_than_equal": N_i("must be at least {ge}, not {got}"),
    "greater_than": N_i("must be more than {gt}, not {got}"),
    "less_than_equal": N_i("must be at most {le}, not {got}"),
    "less_than": N_i("must be less than {lt}, not {got}"),
    "literal_error": N_i("value {got} not accepted; accepted values: {expected}"),
    "string_pattern_mismatch": N_i("{got} is not valid: {rule}"),
    "pattern_name": N_i("use lowercase letters, digits and _, starting with a letter (e.g. convolutions)"),
    "pattern_id": N_i("use letters, digits, `_`, `.` and `-` (e.g. redes-convolucionales)"),
    "no_parts": N_i("needs at least one part (name: points)"),
    "notebook_suffix": N_i("the notebook {got} must be a .ipynb file name, without folders"),
    "due_offset": N_i("the date {got} needs a UTC offset, e.g. 2026-12-11T23:59:00-03:00"),
    "weight_positive": N_i("weights must be > 0 (check {bad})"),
    "names_unique": N_i("assignment names must be unique (repeated: {dupes})"),
    "reserved_key": N_i("unknown key `{key}`; keys accepted at the top: {accepted}"),
    "other": "{msg}",  # pydantic's own text, for an error type we do not know
    # --- cross-checks (autograder validate) -----------------------------------------------------
    "unknown_part": N_i("part `{part}` is not defined by {where}; parts defined there: {known}"),
    "no_file": N_i("{path} is missing; it defines the assignment's parts"),
    "unreadable_python": N_i("{path} cannot be read as Python ({problem})"),
    "no_notebook": N_i("notebook `{notebook}` is not in {folder} (built: {found}); fix `notebook` or run `autograder build {name}`"),
    "unknown_assignment": N_i("unknown assignment '{name}'; the course defines: {known}"),
    "validated": N_i("{path}: ok ({n} assignments)"),
    "a_mapping": N_i("a mapping"),
    "a_list": N_i("a list"),
    "nothing": N_i("(none)"),
}


def text(message: str, language: str | None = None, **values) -> str:
    """The message ``message`` in ``language`` (default: the current one, :func:`autograder.i18n.set_language`;
    Spanish when the language is not one we have)."""
    chosen = language if language in LANGUAGES else (current_language() if language is None else DEFAULT_LANGUAGE)
    return translations("instructor", chosen).gettext(MESSAGES[message]).format(**values)


def language_of(data) -> str:
    """The language a course.yaml's raw data asks for (``course.language``), else Spanish."""
    if isinstance(data, dict) and isinstance(data.get("course"), dict):
        language = data["course"].get("language")
        if isinstance(language, str) and language.split("-")[0].lower() in LANGUAGES:
            return language.split("-")[0].lower()
    return DEFAULT_LANGUAGE
