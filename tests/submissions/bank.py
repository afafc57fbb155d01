"""The quality-gate bank: finding its entries, reading their headers, building their sources.

Each entry is a small ``.py`` file under ``tests/submissions/<assignment>/<kind>/``. Bugs and
correct alternatives are OVERLAYS: the graded source is the reference solution in its student
view (nbgrader markers removed) followed by the entry, which redefines one part. The reference
code is therefore never copied into the bank. An entry says what it expects in its docstring::

    \"\"\"Kernel volteado (convolución verdadera) / flipped kernel.

    expect: bug conv2d
    witness: conv2d(randn(1, 2, 5, 6), randn(3, 2, 2, 3))
    \"\"\"

Keys: ``expect`` (``bug PART``, ``alternative PART`` or ``attack PART``; ``attack *`` when the
whole submission is the target), ``witness`` (an expression calling the part, or building the
module), ``input`` (the witness input of a module), ``base`` (``reference``, the default, or
``none`` for a whole-file entry), ``needs`` (``bubblewrap`` when only that sandbox can contain
it), ``costs`` (a bug only: parts it may also cost although they do not depend on it, because
the bug makes them raise, so they cannot be checked with the student's own piece), and for attacks ``flag`` (a flag kind the report must carry, e.g. ``banned_op``),
``status`` (the report status, e.g. ``load_error``) and ``others`` (``full``, the default: the
parts it does not attack keep full marks; ``any``: no promise). Attack sources may use the placeholders of :data:`PLACEHOLDERS`, filled per run.

Example::

    for entry in load_bank():
        source = entry.source({"__GATE_TOKEN__": "abc"})
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

BANK_DIR = Path(__file__).resolve().parent
REPO_ROOT = BANK_DIR.parents[1]
SOLUTIONS_DIR = REPO_ROOT / "solutions"
KINDS = ("bug", "alternative", "attack")

#: Placeholders an attack may contain; the gate replaces them with per-run values.
PLACEHOLDERS = ("__GATE_CANARY__", "__GATE_MARKER__", "__GATE_PORT__", "__GATE_OUTSIDE__")

_DOCSTRING = re.compile(r'\A\s*(?:#[^\n]*\n\s*)*(?:[rRuU]?)"""(.*?)"""', re.S)
_KEY_LINE = re.compile(r"^\s*([a-z_]+):\s*(.*?)\s*$")
_MARKER_LINE = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


class BankError(Exception):
    """An entry of the bank is malformed; the message names the file."""


@dataclass(frozen=True)
class Entry:
    """One submission of the bank and what the gate expects of it."""

    path: Path
    assignment: str
    kind: str
    part: str  # a part name, or "*" for an attack on the whole submission
    description: str
    witness: str | None = None
    witness_input: str | None = None
    base: str = "reference"
    needs: tuple[str, ...] = field(default_factory=tuple)
    flag: str | None = None  # a flag kind the report must carry for the part (e.g. banned_op)
    status: str | None = None  # the report status an attack must end in (e.g. load_error)
    others: str = "full"  # "full": the parts it does not attack keep full marks; "any": no promise
    costs: tuple[str, ...] = field(default_factory=tuple)  # parts a bug may also cost (it makes them raise)

    @property
    def name(self) -> str:
        """A stable id, e.g. ``convolutions/bug/conv2d_flipped_kernel``."""
        return f"{self.assignment}/{self.kind}/{self.path.stem}"

    def overlay(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def bound_names(self) -> set[str]:
        """The top-level names the overlay binds (defs, classes, assignments, imports)."""
        bound: set[str] = set()
        for node in ast.parse(self.overlay()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                bound.update(t.id for t in targets if isinstance(t, ast.Name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        return bound

    def source(self, values: dict[str, str] | None = None) -> str:
        """The whole submission: student view of the reference (unless base: none) + the entry."""
        text = self.overlay()
        for key, value in (values or {}).items():
            text = text.replace(key, value)
        if self.base == "none":
            return text
        return reference_source(self.assignment) + "\n\n# ---- overlay: " + self.name + " ----\n" + text


def reference_source(assignment: str) -> str:
    """The reference solution as a student who solved it would hand it in (markers removed)."""
    return _reference_source(assignment)


@lru_cache(maxsize=None)
def _reference_source(assignment: str) -> str:
    path = SOLUTIONS_DIR / f"{assignment}.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not _MARKER_LINE.match(line)) + "\n"


#: Composite parts whose hidden tests also accept the reference built from the student's own
#: pieces (tests/hidden/module_checks.graded_with_own_parts): a bug in a piece costs them nothing.
GRADED_WITH_OWN_PARTS = {("segmentation", "UNet"): {"DoubleConv", "center_crop"},
                         ("architectures", "ResNet18"): {"ResidualBlock"}}


def dependents(assignment: str, part: str) -> set[str]:
    """The parts whose reference code calls ``part``, directly or through another part, and
    whose grading does not isolate them from it.

    A bug or an attack on ``part`` may legitimately cost them points too (the reference
    conv_transpose2d calls the student's conv2d). UNet and ResNet18 are not dependents of the
    pieces they reuse: they are also compared with the reference built from those pieces
    (:data:`GRADED_WITH_OWN_PARTS`), so they keep their points when only a piece is wrong.
    """
    return _reached(assignment, part, isolated=True)


def callers(assignment: str, part: str) -> set[str]:
    """The parts whose reference code calls ``part``, directly or through another part (UNet
    for DoubleConv). The gate never batches a bug with a bug of one of them, so that the
    caller is graded honestly beside it (and must keep full marks when it is not a dependent)."""
    return _reached(assignment, part, isolated=False)


def _reached(assignment: str, part: str, *, isolated: bool) -> set[str]:
    uses = {name: used - (GRADED_WITH_OWN_PARTS.get((assignment, name), set()) if isolated else set())
            for name, used in _uses(assignment).items()}
    found, frontier = set(), {part}
    while frontier:
        frontier = {p for p, used in uses.items() if used & frontier} - found
        found |= frontier
    return found - {part}


@lru_cache(maxsize=None)
def _uses(assignment: str) -> dict[str, frozenset[str]]:
    tree = ast.parse(reference_source(assignment))
    definitions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return {name: frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in definitions) - {name}
            for name, node in definitions.items()}


def parse_entry(path: Path, assignment: str) -> Entry:
    """Read one entry's header; raise BankError naming the file when it is malformed."""
    text = path.read_text(encoding="utf-8")
    match = _DOCSTRING.match(text)
    if not match:
        raise BankError(f"{path}: needs a docstring header with 'expect:'")
    doc = match.group(1).strip().splitlines()
    description = doc[0].strip() if doc else ""
    keys: dict[str, str] = {}
    for line in doc[1:]:
        key_match = _KEY_LINE.match(line)
        if key_match:
            keys[key_match.group(1)] = key_match.group(2)
    expect = keys.get("expect", "").split()
    if len(expect) != 2 or expect[0] not in KINDS:
        raise BankError(f"{path}: 'expect:' must be '<{'|'.join(KINDS)}> PART', got {keys.get('expect')!r}")
    kind, part = expect
    if kind != "attack" and not keys.get("witness"):
        raise BankError(f"{path}: a {kind} needs a 'witness:' input")
    return Entry(
        path=path,
        assignment=assignment,
        kind=kind,
        part=part,
        description=description,
        witness=keys.get("witness"),
        witness_input=keys.get("input"),
        base=keys.get("base", "reference"),
        needs=tuple(keys.get("needs", "").split()),
        flag=keys.get("flag"),
        status=keys.get("status"),
        others=keys.get("others", "full"),
        costs=tuple(re.sub(r"\(.*\)", "", keys.get("costs", "")).split()),  # "(why)" is for the reader
    )


def assignments() -> list[str]:
    """The assignments of course.yaml, in order (the bank has one folder per assignment)."""
    course = yaml.safe_load((REPO_ROOT / "course.yaml").read_text(encoding="utf-8"))
    return [a["name"] for a in course["assignments"]]


def load_bank(kind: str | None = None, assignment: str | None = None) -> list[Entry]:
    """Every entry of the bank (optionally one kind / one assignment), sorted by name."""
    entries = []
    for name in assignments():
        if assignment and name != assignment:
            continue
        for path in sorted((BANK_DIR / name).glob("*/*.py")):
            entry = parse_entry(path, name)
            if path.parent.name != entry.kind:
                raise BankError(f"{path}: declared '{entry.kind}' but lives in '{path.parent.name}/'")
            if kind is None or entry.kind == kind:
                entries.append(entry)
    return entries
