"""Instructor-facing messages of course.yaml's checks and the CLI's known errors, per language.

``course.yaml``'s ``course.language`` chooses the language (``es`` by default; ``en`` the second).
A gettext catalog will replace this table (issue 9, item 6); until then every string lives here,
keyed by what it says. Example::

    text("missing", "es", key="parts")       # 'falta la clave obligatoria `parts`'
"""
from __future__ import annotations

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

MESSAGES: dict[str, dict[str, str]] = {
    # --- reading the file -----------------------------------------------------------------------
    "unreadable": {"es": "no se puede leer el archivo del curso ({reason})",
                   "en": "cannot read the course file ({reason})"},
    "too_big": {"es": "el archivo pesa {size} bytes (máximo {limit}); un course.yaml tiene unos pocos KB",
                "en": "the file has {size} bytes (at most {limit}); a course.yaml is a few KB"},
    "not_utf8": {"es": "no está en UTF-8 (byte {offset}); guárdalo como UTF-8",
                 "en": "not UTF-8 (byte {offset}); save it as UTF-8"},
    "not_a_file": {"es": "no es un archivo normal (una carpeta, un FIFO o un dispositivo)",
                   "en": "not a regular file (a folder, a FIFO or a device)"},
    "bad_yaml": {"es": "YAML no válido: {problem}", "en": "not valid YAML: {problem}"},
    "too_deep": {"es": "YAML anidado demasiado profundo", "en": "YAML nested too deeply"},
    "empty": {"es": "el archivo está vacío; debe tener las secciones `course` y `assignments`",
              "en": "the file is empty; it needs the sections `course` and `assignments`"},
    "several_documents": {"es": "tiene más de un documento YAML (`---`); deja uno solo",
                          "en": "it holds more than one YAML document (`---`); keep one"},
    "not_mapping": {"es": "se esperaba un mapa con `course` y `assignments` arriba, no {got}",
                    "en": "expected a mapping with `course` and `assignments` at the top, not {got}"},
    "duplicate_key": {"es": "la clave `{key}` está repetida (la primera en la línea {first}); deja una",
                      "en": "key `{key}` is repeated (first at line {first}); keep one"},
    "alias_bomb": {"es": "los alias YAML (`*`) se expanden a más de {limit} nodos; escribe los valores sin alias",
                   "en": "YAML aliases (`*`) expand to more than {limit} nodes; write the values without aliases"},
    "alias_cycle": {"es": "un alias YAML (`*`) se contiene a sí mismo; escribe el valor sin alias",
                    "en": "a YAML alias (`*`) contains itself; write the value without aliases"},
    "bad_key": {"es": "las claves deben ser textos, no {got}", "en": "keys must be strings, not {got}"},
    # --- where ------------------------------------------------------------------------------------
    "assignment": {"es": "tarea «{name}»", "en": "assignment '{name}'"},
    "assignment_n": {"es": "tarea n.º {n}", "en": "assignment #{n}"},
    "key": {"es": "clave `{key}`", "en": "key `{key}`"},
    # --- what is wrong (pydantic's error types, and ours) -----------------------------------------
    "missing": {"es": "falta la clave obligatoria `{key}`", "en": "the required key `{key}` is missing"},
    "extra_forbidden": {"es": "clave desconocida `{key}`{hint}; claves aceptadas aquí: {accepted}",
                        "en": "unknown key `{key}`{hint}; keys accepted here: {accepted}"},
    "did_you_mean": {"es": " (¿quisiste decir `{guess}`?)", "en": " (did you mean `{guess}`?)"},
    "float_type": {"es": "debe ser un número, no {got} (escríbelo sin comillas)",
                   "en": "must be a number, not {got} (write it without quotes)"},
    "finite_number": {"es": "debe ser un número finito, no {got}", "en": "must be a finite number, not {got}"},
    "int_type": {"es": "debe ser un número entero, no {got}", "en": "must be a whole number, not {got}"},
    "string_type": {"es": "debe ser un texto, no {got}", "en": "must be a string, not {got}"},
    "bool_type": {"es": "debe ser true o false, no {got}", "en": "must be true or false, not {got}"},
    "dict_type": {"es": "debe ser un mapa (clave: valor), no {got}",
                  "en": "must be a mapping (key: value), not {got}"},
    "model_type": {"es": "debe ser un mapa (clave: valor), no {got}",
                   "en": "must be a mapping (key: value), not {got}"},
    "list_type": {"es": "debe ser una lista (líneas que empiezan con `- `), no {got}",
                  "en": "must be a list (lines starting with `- `), not {got}"},
    "datetime": {"es": "debe ser una fecha y hora con zona horaria, p. ej. 2026-12-11T23:59:00-03:00, no {got}",
                 "en": "must be a date and time with a UTC offset, e.g. 2026-12-11T23:59:00-03:00, not {got}"},
    "path_type": {"es": "debe ser una ruta (texto), no {got}", "en": "must be a path (a string), not {got}"},
    "greater_than_equal": {"es": "debe ser mayor o igual que {ge}, no {got}", "en": "must be at least {ge}, not {got}"},
    "greater_than": {"es": "debe ser mayor que {gt}, no {got}", "en": "must be more than {gt}, not {got}"},
    "less_than_equal": {"es": "debe ser menor o igual que {le}, no {got}", "en": "must be at most {le}, not {got}"},
    "less_than": {"es": "debe ser menor que {lt}, no {got}", "en": "must be less than {lt}, not {got}"},
    "literal_error": {"es": "valor no aceptado {got}; valores aceptados: {expected}",
                      "en": "value {got} not accepted; accepted values: {expected}"},
    "string_pattern_mismatch": {"es": "{got} no sirve: {rule}", "en": "{got} is not valid: {rule}"},
    "pattern_name": {"es": "usa minúsculas, dígitos y _, empezando con una letra (p. ej. convolutions)",
                     "en": "use lowercase letters, digits and _, starting with a letter (e.g. convolutions)"},
    "pattern_id": {"es": "usa letras, dígitos, `_`, `.` y `-` (p. ej. redes-convolucionales)",
                   "en": "use letters, digits, `_`, `.` and `-` (e.g. redes-convolucionales)"},
    "no_parts": {"es": "necesita al menos una parte (nombre: puntos)", "en": "needs at least one part (name: points)"},
    "notebook_suffix": {"es": "el cuaderno {got} debe ser un nombre de archivo .ipynb, sin carpetas",
                        "en": "the notebook {got} must be a .ipynb file name, without folders"},
    "due_offset": {"es": "la fecha {got} necesita su zona horaria, p. ej. 2026-12-11T23:59:00-03:00",
                   "en": "the date {got} needs a UTC offset, e.g. 2026-12-11T23:59:00-03:00"},
    "weight_positive": {"es": "los pesos deben ser > 0 (revisa {bad})", "en": "weights must be > 0 (check {bad})"},
    "names_unique": {"es": "los nombres de las tareas deben ser únicos (repetidos: {dupes})",
                     "en": "assignment names must be unique (repeated: {dupes})"},
    "reserved_key": {"es": "clave desconocida `{key}`; claves aceptadas arriba: {accepted}",
                     "en": "unknown key `{key}`; keys accepted at the top: {accepted}"},
    "other": {"es": "{msg}", "en": "{msg}"},
    # --- cross-checks (autograder validate) -----------------------------------------------------
    "unknown_part": {"es": "la parte `{part}` no la define {where}; partes definidas: {known}",
                     "en": "part `{part}` is not defined by {where}; parts defined there: {known}"},
    "no_file": {"es": "no existe {path}, que define las partes de la tarea", "en": "{path} is missing; it defines the assignment's parts"},
    "unreadable_python": {"es": "{path} no se puede leer como Python ({problem})",
                          "en": "{path} cannot be read as Python ({problem})"},
    "no_notebook": {"es": "el cuaderno `{notebook}` no está en {folder} (lo generado: {found}); corrige `notebook` o ejecuta `autograder build {name}`",
                    "en": "notebook `{notebook}` is not in {folder} (built: {found}); fix `notebook` or run `autograder build {name}`"},
    "unknown_assignment": {"es": "tarea desconocida «{name}»; el curso define: {known}",
                           "en": "unknown assignment '{name}'; the course defines: {known}"},
    "validated": {"es": "{path}: correcto ({n} tareas)", "en": "{path}: ok ({n} assignments)"},
    "a_mapping": {"es": "un mapa", "en": "a mapping"},
    "a_list": {"es": "una lista", "en": "a list"},
    "nothing": {"es": "(ninguno)", "en": "(none)"},
}


def text(message: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The message ``message`` in ``language`` (Spanish when the language is not one we have)."""
    forms = MESSAGES[message]
    template = forms.get(language) or forms[DEFAULT_LANGUAGE]
    return template.format(**values)


def language_of(data) -> str:
    """The language a course.yaml's raw data asks for (``course.language``), else Spanish."""
    if isinstance(data, dict) and isinstance(data.get("course"), dict):
        language = data["course"].get("language")
        if isinstance(language, str) and language.split("-")[0].lower() in LANGUAGES:
            return language.split("-")[0].lower()
    return DEFAULT_LANGUAGE
