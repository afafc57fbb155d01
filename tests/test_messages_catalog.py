"""The message catalogs (autograder/i18n.py) are complete, up to date and the only home of text.

- Every id marked in the source (Babel's extraction, babel.cfg, each domain's keywords) has a
  Spanish translation in ``autograder/locale/es/LC_MESSAGES/<domain>.po``, not fuzzy, with the
  same ``{fields}``; no ``.po`` keeps an id the source no longer marks (``make messages``).
- No Spanish text stays in Python source or templates outside a marker call: a string literal
  (docstrings and comments aside) or template text with a Spanish letter or two Spanish words is
  a message someone forgot to mark. The student submissions of the demo class are data.
- A module that imports ``_`` never rebinds it (``for _ in ...`` would break its messages).
"""
from __future__ import annotations

import ast
import functools
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from autograder import i18n

ROOT = Path(__file__).resolve().parent.parent
#: Files whose text is data, not messages: the demo's student hand-ins, the notebooks' narrative.
DATA = ("autograder/workflow/sample_class/",)
SPANISH_LETTERS = re.compile(r"[áéíóúñÁÉÍÓÚÑ¿¡]")
SPANISH_WORDS = re.compile(r"\b(?:la|el|los|las|del|que|una|tu|tus|debe|está|prueba|parte|celda|línea|entrega|"
                           r"con|sin|para|por|nota|puntaje|se|no es|aún|también|corrige)\b", re.IGNORECASE)


def looks_spanish(text: str) -> bool:
    return bool(SPANISH_LETTERS.search(text)) or len({w.lower() for w in SPANISH_WORDS.findall(text)}) >= 2


@functools.lru_cache(maxsize=None)
def _extracted(domain: str) -> dict[str, tuple[str, int]]:
    """Every id of ``domain`` marked in the source: id -> (file, line) of its first mark."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=i18n.KEYWORDS[domain],
            directory_filter=lambda path: not Path(path).name.startswith((".", "build"))):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural: its singular is its id
        if msgid:
            found.setdefault(msgid, (filename, lineno))
    return found


def _catalog(domain: str, language: str):
    with open(i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po", "rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_marked_id_has_its_spanish_text_with_the_same_fields(domain):
    marked = _extracted(domain)
    catalog = _catalog(domain, "es")
    problems = []
    for msgid, (filename, line) in sorted(marked.items(), key=lambda item: item[1]):
        message = catalog.get(msgid)
        where = f"{filename}:{line}"
        if message is None or not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            problems.append(f"{where}: sin traducción al español: {msgid!r} (make messages, luego tradúcelo)")
            continue
        if message.fuzzy:
            problems.append(f"{where}: traducción marcada fuzzy, revísala: {msgid!r}")
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in translations:
            if _fields(text) - _fields(msgid if isinstance(msgid, str) else msgid[0]) - {"count"}:
                problems.append(f"{where}: la traducción usa campos que el id no da: {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("domain", i18n.DOMAINS)
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_catalog_keeps_an_id_the_source_no_longer_marks(domain, language):
    marked = set(_extracted(domain))
    stale = sorted(m.id for m in _catalog(domain, language) if m.id and
                   (m.id if isinstance(m.id, str) else m.id[0]) not in marked)
    assert not stale, f"{domain}.po ({language}) has ids the source no longer marks (make messages): {stale[:10]}"


def _python_sources():
    for folder in ("autograder", "tests/hidden"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(DATA):
                yield relative, path


def _docstring_nodes(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _marker_arguments(tree) -> set[int]:
    markers = {name for keywords in i18n.KEYWORDS.values() for name in keywords}
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in markers:
            for argument in node.args:
                ids.update(id(inner) for inner in ast.walk(argument))
    return ids


def _unmarked_spanish(relative: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    skip = _docstring_nodes(tree) | _marker_arguments(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if looks_spanish(node.value):
                found.append(f"{relative}:{node.lineno}: {node.value[:70]!r}")
    return found


#: Modules whose messages are not in the catalog yet (issue 9, item 6): this list only shrinks.
PENDING: set[str] = {
}


def test_no_spanish_text_outside_the_catalog():
    problems, done = [], []
    for relative, path in _python_sources():
        found = _unmarked_spanish(relative, path)
        if relative in PENDING:
            if not found:
                done.append(relative)
            continue
        problems.extend(found)
    for template in sorted((ROOT / "autograder").rglob("templates/*.j2")):
        relative = template.relative_to(ROOT).as_posix()
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>", " ", template.read_text(encoding="utf-8"), flags=re.S)
        found = [f"{relative}:{number}: {line.strip()[:70]!r}"
                 for number, line in enumerate(text.splitlines(), 1) if looks_spanish(line)]
        if relative in PENDING:
            done.extend([] if found else [relative])
        else:
            problems.extend(found)
    assert not problems, "Spanish text outside the catalog (mark it with _()/_i()):\n" + "\n".join(problems[:60])
    assert not done, f"these modules are done: take them off PENDING: {done}"


def test_a_module_that_imports_the_marker_never_rebinds_it():
    problems = []
    for relative, path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_marker = any(isinstance(node, ast.ImportFrom) and node.module == "autograder.i18n"
                             and any(alias.name == "_" and alias.asname is None for alias in node.names)
                             for node in ast.walk(tree))
        if not imports_marker:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                problems.append(f"{relative}:{node.lineno}: binds `_`, which is the message marker here")
    assert not problems, "\n".join(problems)


def test_the_language_follows_the_course_and_falls_back_to_spanish():
    token = i18n._language.set("es")
    try:
        assert i18n.set_language("en") == "en" and i18n.current_language() == "en"
        assert i18n.set_language("xx") == "es"
        assert i18n.set_language(None) == "es"
    finally:
        i18n._language.reset(token)


def test_fields_are_filled_after_translation_and_never_from_a_field_value():
    """A field's value is inserted as text: a value that looks like a template stays as it is."""
    hostile = "{0.__class__.__mro__}{part}"
    assert i18n._("{part}", part=hostile) == hostile


def test_a_message_from_the_worker_is_never_a_template():
    """What the worker sends is student-controlled: an unknown id is shown as the text it is."""
    bomb = "{x:>999999999}"
    assert i18n.from_untrusted(bomb, {"x": "1"}) == bomb
    assert i18n.from_untrusted(["no", "text"]) == "['no', 'text']"
    assert i18n.from_untrusted("", {}) == ""


def test_every_public_check_has_a_catalog_title():
    """check() shows each public check's title (public/check_printout.py::test_title) from its
    suite's ``TITLES``: every test function of a public suite has one, marked for the student
    catalog (so it has its Spanish text above), and no title names a test that is gone."""
    marked = _extracted("student")
    problems = []
    for path in sorted((ROOT / "autograder" / "public" / "suites").glob("test_*.py")):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests = {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
        titles = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "TITLES" for t in node.targets):
                assert isinstance(node.value, ast.Dict), f"{relative}: TITLES must be a literal dict"
                for key, value in zip(node.value.keys, node.value.values):
                    is_marked = (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "N_"
                                 and len(value.args) == 1 and isinstance(value.args[0], ast.Constant))
                    titles[key.value] = value.args[0].value if is_marked else None
        for name in sorted(tests - set(titles)):
            problems.append(f"{relative}: {name} has no title in TITLES")
        for name in sorted(set(titles) - tests):
            problems.append(f"{relative}: TITLES names {name}, which is not a test of the suite")
        for name, title in sorted(titles.items()):
            if title is None or title not in marked:
                problems.append(f"{relative}: the title of {name} is not an N_(\"...\") catalog id")
    assert not problems, "\n".join(problems)
    from autograder.public.check_printout import test_title

    token = i18n._language.set("es")
    try:
        assert test_title("test_conv2d_docstring_example[0]", "convolutions") == "conv2d reproduce el ejemplo del enunciado"
        i18n._language.set("en")
        assert test_title("test_conv2d_docstring_example", "convolutions") == "conv2d reproduces the statement's example"
    finally:
        i18n._language.reset(token)
