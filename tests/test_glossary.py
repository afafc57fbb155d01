"""One Spanish voice: everything a student reads is in the tú register and uses the lecture's
terms (docs/glosario.yaml), and the glossary itself is well formed.

What a student reads: the notebook narratives (markdown, and the comments and strings of code
cells), the docstrings and comments of the parts (solutions/*.py), the Spanish strings of the
modules whose messages reach the checks and the feedback (autograder/grading/, autograder/public/,
tests/hidden/) and the feedback template. Code is not prose: backtick spans, LaTeX and tokens
with code punctuation (``kernel_size=3``, ``conv.bias``) are skipped before matching.
Example: ``.venv/bin/pytest tests/test_glossary.py -q``.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from functools import lru_cache
from pathlib import Path

import jupytext
import pytest
import yaml
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "docs" / "glosario.yaml"
MESSAGE_MODULES = sorted(
    [*(REPO / "autograder" / "grading").glob("*.py"), *(REPO / "autograder" / "public").glob("*.py"),
     *(REPO / "autograder" / "public" / "suites").glob("*.py"), *(REPO / "tests" / "hidden").glob("*.py")]
)
STUDENT_CATALOG = REPO / "autograder" / "locale" / "es" / "LC_MESSAGES" / "student.po"
TEMPLATES = sorted((REPO / "autograder" / "workflow" / "templates").glob("feedback*.j2"))
#: A string is Spanish (student-facing) when it has one of these; the grader's own English strings
#: (instructor messages, docstrings) are not the students' voice.
SPANISH = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|de|del|que|con|una|para|tu|tus)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def glossary() -> dict:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


def prose(text: str) -> str:
    """``text`` without what is code: fenced blocks, `spans`, $math$ and code-like tokens."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"``.*?``|`[^`\n]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", text, flags=re.S)
    text = re.sub(r"^\s*\w+:", " ", text, flags=re.M)       # an argument's entry: "bias: tensor (C_out,)"
    text = re.sub(r"\S*[=_(){}\[\]<>]\S*", " ", text)       # kernel_size=3, F.pad(x), x[0]
    return re.sub(r"\S+\.\w\S*", " ", text)                # conv.bias, nn.Conv2d


def _strings_and_comments(source: str, *, docstrings: bool, comments: bool) -> list[tuple[int, str]]:
    found = []
    tree = ast.parse(source)
    docstring_nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstring_nodes.add(id(first.value))
                if docstrings and not isinstance(node, ast.Module):
                    found.append((first.lineno, first.value.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstring_nodes:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)
            found.append((node.lineno, text))
    if comments:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.string.lstrip("# ")))
    return found


def student_texts() -> list[tuple[str, str]]:
    """(where, text) of everything a student reads, in Spanish."""
    texts = []
    for path in sorted((REPO / "solutions" / "notebooks").glob("*.py")):
        for index, cell in enumerate(jupytext.read(path, fmt="py:percent").cells):
            where = f"{path.relative_to(REPO)} cell {index}"
            if cell.cell_type == "markdown":
                texts.append((where, cell.source))
            else:
                texts += [(f"{where} line {n}", s) for n, s in
                          _strings_and_comments(cell.source, docstrings=True, comments=True)]
    for path in sorted((REPO / "solutions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        texts += [(f"{path.relative_to(REPO)}:{n}", s) for n, s in
                  _strings_and_comments(source, docstrings=True, comments=True)]
    for path in MESSAGE_MODULES:
        source = path.read_text(encoding="utf-8")
        texts += [(f"{path.relative_to(REPO)}:{n}", s) for n, s in
                  _strings_and_comments(source, docstrings=False, comments=False) if SPANISH.search(s)]
    # The student catalog: where every message of the grader, the checks and the suites lives.
    with open(STUDENT_CATALOG, "rb") as handle:
        for message in read_po(handle, locale="es"):
            if message.id:
                for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
                    texts.append((f"{STUDENT_CATALOG.relative_to(REPO)} {message.id[:40]!r}", text))
    for path in TEMPLATES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            texts.append((f"{path.relative_to(REPO)}:{n}", re.sub(r"\{[{%#].*?[}%#]\}|<[^>]+>", " ", line)))
    return texts


def _pattern(form: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, form.split())) + r"(?!\w)", re.IGNORECASE)


def find(forms: list[str], texts: list[tuple[str, str]]) -> list[str]:
    patterns = [(form, _pattern(form)) for form in forms]
    hits = []
    for where, text in texts:
        clean = prose(text)
        hits += [f"{where}: {form!r} in {text.strip()[:90]!r}" for form, pattern in patterns if pattern.search(clean)]
    return hits


def test_glossary_is_well_formed():
    data = glossary()
    assert data["register"] == "tú"
    preferred = [t["preferred"] for t in data["terms"]]
    assert len(preferred) == len(set(preferred))
    for term in data["terms"]:
        assert term["forbidden"] and term["english"], term["preferred"]
        clash = [f for f in term["forbidden"] if _pattern(f).search(term["preferred"])]
        assert not clash, f"{term['preferred']}: forbids its own preferred form {clash}"
    # The lecture's own vocabulary is preferred somewhere: filtro, relleno, paso, pooling...
    for word in ("filtro", "sesgo", "relleno", "paso", "mapa de características", "pooling", "convolución transpuesta"):
        assert any(word in p for p in preferred), word


def test_student_text_is_found():
    texts = student_texts()
    places = {where.split(" ")[0].split(":")[0] for where, _ in texts}
    for expected in ("solutions/notebooks/architectures.py", "solutions/architectures.py",
                     "autograder/locale/es/LC_MESSAGES/student.po", "autograder/workflow/templates/feedback.html.j2"):
        assert expected in places, expected
    assert len(texts) > 500


def test_no_usted_forms_where_a_student_reads():
    hits = find(glossary()["usted_forms"], student_texts())
    assert not hits, "usted where the kit says tú (docs/glosario.yaml):\n" + "\n".join(hits[:20])


def test_no_forbidden_terms_where_a_student_reads():
    forbidden = [form for term in glossary()["terms"] for form in term["forbidden"]]
    hits = find(forbidden, student_texts())
    assert not hits, "forbidden terms (docs/glosario.yaml gives the preferred form):\n" + "\n".join(hits[:20])


@pytest.mark.parametrize("text, form", [
    ("Complete cada celda y ejecútela.", "complete"),
    ("Revise su función.", "su función"),
    ("El kernel se desliza por la imagen.", "kernel"),
    ("Cada capa suma su bias.", "bias"),
    ("la deconvolución agranda el mapa", "deconvolución"),
])
def test_the_scan_catches_each_kind_of_slip(text, form):
    data = glossary()
    forms = data["usted_forms"] + [f for t in data["terms"] for f in t["forbidden"]]
    assert find(forms, [("ejemplo", text)]), text
    assert form in " ".join(find(forms, [("ejemplo", text)]))


@pytest.mark.parametrize("text", [
    "Usa `kernel_size=3` y `bias=False`.",
    "conv1: 3x3, sin sesgo (nn.Conv2d(..., bias=False)).",
    "$k$ es el tamaño del filtro",
    "Completa cada celda, ejecútala y revisa tu LeNet.",
    "Ejecuta `Kernel → Restart & Run All`.",
])
def test_code_and_tu_forms_are_not_flagged(text):
    data = glossary()
    forms = data["usted_forms"] + [f for t in data["terms"] for f in t["forbidden"]]
    assert not find(forms, [("ejemplo", text)]), text
