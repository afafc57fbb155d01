"""Code cells (notebook order) -> the one Python source the worker runs, and where each line came from.

A notebook is graded as the student wrote it: what every code cell DEFINES counts, in order
(a later definition of a name wins, as when the notebook runs top to bottom), and nothing that
merely *does* something runs (demo calls, debug prints, training loops, plots, the ``check(...)``
cells), in the solution cells as much as anywhere else. So a leftover ``print(max_pool2d(x, 2))``
never costs a part, and a helper or an ``import numpy as np`` in a cell of its own is seen by
the grader exactly as by the kernel. The same rules apply to a ``.py`` file (one "cell") and to
the cells ``check()`` takes from the kernel's history: one extraction, one verdict.

What counts, statement by top-level statement:

* ``import`` / ``from ... import`` of the standard library, ``torch``, ``numpy`` and ``math``
  (anything else -- the checker itself, matplotlib, scikit-learn, relative imports -- is
  dropped: no part may need it, and a plotting library must not be able to fail the load);
  ``from __future__`` imports are moved to the top of the source, where Python requires them;
* ``def`` / ``async def`` / ``class`` (decorators included), unless evaluating them needs a name
  only a dropped statement binds (a default ``w=filtro``, a decorator, a base class): then the
  definition is dropped too, with a note, instead of failing the whole load;
* constants: ``NAME = value``, ``NAME: T = value`` and ``A, B = v1, v2`` whose value is built
  only from literals, names already bound (constants, imports, functions, builtins), attributes
  of those (``math.pi``, ``torch.float64``), operators, containers, subscripts, conditional
  expressions, lambdas and calls of a few pure builtins (``float("inf")``, ``tuple(...)``);
  an alias such as ``_reference_conv2d = conv2d`` is a constant; an item read from a container a
  dropped statement has filled or changed (``d = {}``, a loop doing ``d[k] = ...``, then
  ``x = d["k"]``) is not: the grader never ran the loop, so that constant is dropped too;
* ``del NAME`` (it undefines a name, as in the notebook).

Everything else is dropped (calls, loops, ``if``/``try``/``with`` blocks -- also when they hold
a definition --, ``if __name__ == "__main__":``, attribute or item assignments, top-level
``await``). IPython syntax: a cell magic on the first line -- ``%%time`` and ``%%capture`` keep
the cell's body (IPython runs it in the notebook's namespace), every other cell magic
(``%%timeit``, whose body runs in its own scope, ``%%bash``, ``%%writefile``, ``%%html``...)
drops the cell --; line magics (``%matplotlib inline``), shell escapes (``!pip``, ``x = !ls``) and
help lines (``conv2d?``) are dropped. A cell that is not valid Python is skipped (it defined
nothing in the notebook either). Every drop that can matter -- in a cell that defines a part or
one of its helpers, a magic, a broken cell, a part's use of a name that only a dropped statement
binds -- becomes a note; cells that only show or check something are skipped quietly.

The source starts with the notebook's fixed import cell (:data:`IMPORT_HEADER`): nbgrader
restores that locked cell in every submission, and a ``.py`` submission relies on it.
:meth:`Extraction.locate` maps a line of the source (``entrega.py``, line N) back to the cell
and its line, and :meth:`Extraction.map_text` rewrites the worker's tracebacks that way.
Nothing here runs the code. Example::

    >>> ex = extract_cells([CodeCell("celda 1", "import numpy as np"),
    ...                     CodeCell("celda 2", "def f(x):\\n    return np.abs(x)\\nprint(f(-1))")], ["f"])
    >>> print(ex.source.split("\\n\\n", 1)[1])
    # --- celda 1 ---
    import numpy as np
    # --- celda 2 ---
    def f(x):
        return np.abs(x)
    <BLANKLINE>
    >>> ex.notes
    ['celda 2: no se ejecutó al calificar `print(f(-1))` (línea 3): sólo cuentan los import, def, class y constantes de cada celda.']
"""
from __future__ import annotations

import ast
import builtins
import re
import threading
import sys
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from autograder.content.reference import IMPORT_HEADER
from autograder.i18n import _

#: Besides the standard library, the only packages a part may use (the statement's rules).
PART_PACKAGES = frozenset({"torch", "numpy", "math"})

#: Cell magics whose body IPython runs in the notebook's own namespace: the body counts.
BODY_CELL_MAGICS = frozenset({"time", "capture"})

#: Pure builtins a constant's value may call (``NEG_INF = float("-inf")``).
PURE_BUILTINS = frozenset({"float", "int", "bool", "complex", "str", "tuple", "frozenset", "slice", "range"})

#: The filename the worker compiles the source under (autograder/sandbox/worker.py).
SUBMISSION_FILE = "entrega.py"

_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__builtins__", "__spec__",
                                             "__loader__", "__package__", "__annotations__"}
_CLASS_NAMES = frozenset({"__module__", "__qualname__"})
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_LINE_MAGIC = re.compile(r"^\s*[%!]")
_ASSIGNED_ESCAPE = re.compile(r"^\s*[A-Za-z_][\w.,\s]*=\s*[%!]")  # x = !ls, t = %timeit -o f()
_HELP = re.compile(r"^\s*(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")  # ?conv2d, conv2d??
# The worker's own words for a line ("line", or "l\u00ednea" from an older worker).
_TRACEBACK_LINE = re.compile(r'File "entrega\.py", (?:line|l\u00ednea) (\d+)(?:, in ([\w<>.]+))?')
_PLAIN_LINE = re.compile(r"\((?:line|l\u00ednea) (\d+)\)")
_SHOWN_CHARS = 60


@dataclass(frozen=True)
class CodeCell:
    """One code cell: how messages name it (``celda 5``, ``In [12]``, ``entrega.py``), its text,
    and its nbgrader ``grade_id`` when it has one."""

    label: str
    source: str
    grade_id: str | None = None


@dataclass(frozen=True)
class _Piece:
    """A kept statement: its text, where it starts (cell index, 1-based line) and what it binds."""

    cell: int
    line: int
    text: str
    binds: tuple[str, ...]
    unbinds: tuple[str, ...] = ()
    uses: frozenset[str] = frozenset()


@dataclass
class Extraction:
    """The worker's source, where its lines came from, and what was noticed (see module doc)."""

    source: str
    notes: list[str] = field(default_factory=list)
    #: part -> the notes about it (the cell it came from, drops in its cells, names it lacks).
    part_notes: dict[str, list[str]] = field(default_factory=dict)
    #: part -> labels of the cells it was taken from: its own first, then its helpers'.
    part_cells: dict[str, list[str]] = field(default_factory=dict)
    #: part -> the grade_id of the cell its definition came from (None: a cell without one).
    part_grade_ids: dict[str, str | None] = field(default_factory=dict)
    #: every dropped statement: {"cell": label, "line": n, "what": first line}.
    dropped: list[dict] = field(default_factory=list)
    #: (first line in source, last line, cell label, first line in the cell), in order.
    line_map: list[tuple[int, int, str, int]] = field(default_factory=list)
    #: cell label -> "SyntaxError: <message> (línea N)" of each cell that is not valid Python.
    syntax_errors: dict[str, str] = field(default_factory=dict)

    def locate(self, line: int) -> tuple[str, int] | None:
        """The (cell label, line in that cell) of ``line`` of the source; None for the header."""
        for first, last, label, cell_line in self.line_map:
            if first <= line <= last:
                return label, cell_line + line - first
        return None

    def map_text(self, text: str, *, load_error: bool = False) -> str:
        """``text`` with every traceback line ``File "entrega.py", line N, in f`` naming the cell
        instead (``celda 5, línea 3, en f``); with ``load_error``, also the worker's ``(línea N)``."""
        if not text:
            return text

        def frame(match: re.Match) -> str:
            found = self.locate(int(match.group(1)))
            if found is None:
                return match.group(0)
            return (_("{cell}, line {line} of the cell", cell=found[0], line=found[1])
                    + (_(", in {function}", function=match.group(2)) if match.group(2) else ""))

        def plain(match: re.Match) -> str:
            found = self.locate(int(match.group(1)))
            return _("({cell}, line {line} of the cell)", cell=found[0], line=found[1]) if found else match.group(0)

        text = _TRACEBACK_LINE.sub(frame, text)
        return _PLAIN_LINE.sub(plain, text) if load_error else text


def extract_cells(cells: Sequence[CodeCell], parts: Iterable[str], *, header: str = IMPORT_HEADER) -> Extraction:
    """One source from ``cells`` (in the order they run) for an assignment with ``parts``."""
    parts = list(parts)
    state = _State(parts)
    for index, cell in enumerate(cells):
        state.add_cell(index, cell)
    return state.finish(cells, header)


# --- the walk over the cells ---------------------------------------------------------------------------

class _State:
    def __init__(self, parts: list[str]):
        self.parts = parts
        self.pieces: list[_Piece] = []
        self.futures: list[str] = []
        self.future_flags = 0
        self.bound: set[str] = set(_BUILTIN_NAMES)
        self.star_import = False
        #: name -> (cell index, line, first line of text, is an import) of the last DROPPED binding.
        self.dropped_binders: dict[str, tuple[int, int, str, bool]] = {}
        #: cell index -> [(line, text)] of dropped statements; notes per cell come at the end.
        self.dropped: dict[int, list[tuple[int, str]]] = {}
        #: cell index -> notes that concern the cell (magics, unresolved definitions).
        self.cell_notes: dict[int, list[str]] = {}
        #: cell index -> the note of a cell that is not valid Python.
        self.broken: dict[int, str] = {}
        self.syntax_errors: dict[str, str] = {}
        #: part -> [(cell index, note)] explaining why a definition of it was not taken.
        self.missing_reasons: dict[str, list[tuple[int, str]]] = {}
        self.labels: list[str] = []
        #: (cell index, line) of dropped statements that need no note of their own.
        self.quiet: set[tuple[int, int]] = set()
        #: names a dropped statement may have filled or changed (``d[k] = v``, ``d.update(...)``):
        #: an item read from one of them (``d["k"]``) is not a constant the grader can reproduce.
        self.mutated: set[str] = set()

    # -- one cell ----------------------------------------------------------------------------------
    def add_cell(self, index: int, cell: CodeCell) -> None:
        self.labels.append(cell.label)
        code = _cell_python(cell, self._note_for(index))
        if code is None:
            for part in _defined_by_text(cell.source, self.parts):
                self.missing_reasons.setdefault(part, []).append(
                    (index, _("{cell}: `{part}` is in a cell with a cell magic; it was not graded.",
                              cell=cell.label, part=part)))
            return
        if not code.strip():
            return
        try:
            # Bytecode first: a cell nested too deeply fails there harmlessly. Asked straight for an
            # AST, CPython 3.11 raises the RecursionError inside its AST constructor and leaves that
            # constructor's depth count broken for the rest of the process ("AST constructor
            # recursion depth mismatch"): one student's cell would break every later extraction.
            compile(code, cell.label, "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | self.future_flags, dont_inherit=True)
            tree = parse_ast(code, cell.label, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | self.future_flags)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
            self._broken_cell(index, cell, exc)
            return
        lines = code.splitlines()
        for node in tree.body:
            self._statement(index, cell, node, code, lines)

    def _note_for(self, index: int):
        return lambda text: self.cell_notes.setdefault(index, []).append(text)

    def _broken_cell(self, index: int, cell: CodeCell, exc: BaseException) -> None:
        where = _(" on line {line}", line=exc.lineno) if isinstance(exc, SyntaxError) and exc.lineno else ""
        reason = exc.msg if isinstance(exc, SyntaxError) else _("too deeply nested or too big to compile")
        self.broken[index] = (_("{cell} is not valid Python ({error}{where}: {reason}): nothing of that cell "
                                "was graded.", cell=cell.label, error=type(exc).__name__, where=where, reason=reason))
        self.syntax_errors[cell.label] = f"{type(exc).__name__}: {reason}" + (
            _(" (line {line})", line=exc.lineno) if isinstance(exc, SyntaxError) and exc.lineno else "")
        for part in _defined_by_text(cell.source, self.parts):
            self.missing_reasons.setdefault(part, []).append((index, self.broken[index]))

    def _statement(self, index: int, cell: CodeCell, node: ast.stmt, code: str, lines: list[str]) -> None:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            self.futures.append(ast.get_source_segment(code, node) or "")
            for alias in node.names:
                feature = getattr(__import__("__future__"), alias.name, None)
                self.future_flags |= getattr(feature, "compiler_flag", 0)
            return
        kept = self._keep(node)
        if kept is not True:
            self._drop(index, cell, node, code, reason=kept)
            return
        text = _segment(code, lines, node, first)
        if not _compiles(text, self.future_flags):
            self._drop(index, cell, node, code, reason=None)
            return
        binds, unbinds = _bindings(node)
        self.pieces.append(_Piece(index, first, text, binds, unbinds, frozenset(_global_uses(node))))
        self.bound.update(binds)
        self.bound.difference_update(unbinds)
        self.mutated.difference_update(binds)
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            self.star_import = True

    def _keep(self, node: ast.stmt):
        """True to keep ``node``; else None (not a definition), "import" or "needs:<names>"."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True if not _imports_something_else(node) else "import"
        if isinstance(node, _DEFINITIONS):
            missing = self._unbound(_definition_time_names(node, self.annotations_deferred))
            return "needs:" + ",".join(missing) if missing else True
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None or not all(_plain_target(t) for t in targets):
                return None
            needed: set[str] = set()
            indexed: set[str] = set()
            if not _constant_like(node.value, needed, indexed) or indexed & self.mutated:
                return None
            if isinstance(node, ast.AnnAssign) and not self.annotations_deferred:
                needed |= _loaded_names(node.annotation)
            return True if not self._unbound(needed) else None
        if isinstance(node, ast.Delete) and all(isinstance(t, ast.Name) for t in node.targets):
            return True if not self._unbound({t.id for t in node.targets}) else None
        return None

    @property
    def annotations_deferred(self) -> bool:
        return bool(self.future_flags & getattr(__import__("__future__"), "annotations").compiler_flag)

    def _unbound(self, names) -> list[str]:
        if self.star_import:  # `from torch.nn import *` may bind anything: assume it does
            return []
        return sorted(n for n in names if n not in self.bound)

    def _drop(self, index: int, cell: CodeCell, node: ast.stmt, code: str, reason) -> None:
        shown = _first_line(ast.get_source_segment(code, node) or "")
        self.mutated |= _mutated_names(node)
        for name in _assigned_names(node):
            self.dropped_binders[name] = (index, node.lineno, shown, reason == "import")
        if isinstance(reason, str) and reason.startswith("needs:"):
            names = reason.removeprefix("needs:").split(",")
            listed = ", ".join(f"`{n}`" for n in names)
            text = (_("{cell}: `{name}` was not graded (line {line}): its definition uses {listed}, "
                      "which no earlier definition defines (a value from an example?). Pass it as an argument or "
                      "define it as a constant in an earlier cell.", cell=cell.label, name=node.name, line=node.lineno,
                      listed=listed))
            self.cell_notes.setdefault(index, []).append(text)
            if node.name in self.parts:
                self.missing_reasons.setdefault(node.name, []).append((index, text))
            return
        if _is_silent(node):
            return
        self.dropped.setdefault(index, []).append((node.lineno, shown))
        if reason == "import":  # the checker, plots: said only when a part uses the name (see below)
            self.quiet.add((index, node.lineno))
        for part in sorted(_nested_definitions(node) & set(self.parts)):
            self.missing_reasons.setdefault(part, []).append((index, (
                _("{cell}: `{part}` is defined inside a block (`{shown}`, line {line}); when "
                  "grading only each cell's top-level definitions count (not indented).", cell=cell.label, part=part,
                  shown=shown, line=node.lineno))))

    # -- the result --------------------------------------------------------------------------------
    def finish(self, cells: Sequence[CodeCell], header: str) -> Extraction:
        chunks: list[str] = []
        line_map: list[tuple[int, int, str, int]] = []
        head = "\n".join(self.futures + [header]) if self.futures else header
        line = head.count("\n") + 3  # the header, one blank line, then the first piece
        previous_cell = None
        for piece in self.pieces:
            if piece.cell != previous_cell:
                chunks.append(f"# --- {_printable(self.labels[piece.cell])} ---")
                line += 1
                previous_cell = piece.cell
            chunks.append(piece.text)
            count = piece.text.count("\n") + 1
            line_map.append((line, line + count - 1, self.labels[piece.cell], piece.line))
            line += count
        result = Extraction(source=head + "\n\n" + "\n".join(chunks) + "\n", line_map=line_map,
                            syntax_errors=dict(self.syntax_errors))
        result.dropped = [{"cell": self.labels[i], "line": n, "what": what}
                          for i in sorted(self.dropped) for n, what in self.dropped[i]]
        self._describe_parts(result, cells)
        return result

    def _describe_parts(self, result: Extraction, cells: Sequence[CodeCell]) -> None:
        winner: dict[str, _Piece] = {}  # name -> the piece that binds it last
        for piece in self.pieces:
            for name in piece.binds:
                winner[name] = piece
            for name in piece.unbinds:
                winner.pop(name, None)
        concerned: dict[int, set[str]] = {}  # cell index -> the parts taken (partly) from it
        for part in self.parts:
            notes = result.part_notes.setdefault(part, [])
            own = winner.get(part)
            reasons = self.missing_reasons.get(part, [])
            if own is None:
                notes.extend(text for _index, text in reasons)
                continue
            # A broken or unusable LATER version: the student believes that one is graded.
            notes.extend(text + _(" The earlier version, from {cell}, was graded.", cell=self.labels[own.cell])
                         for index, text in reasons if index > own.cell)
            helpers = _closure(own, winner)
            used = [own.cell] + sorted({p.cell for p in helpers} - {own.cell})
            result.part_cells[part] = [self.labels[i] for i in used]
            result.part_grade_ids[part] = cells[own.cell].grade_id
            for index in used:
                concerned.setdefault(index, set()).add(part)
            for name, (index, line, shown, is_import) in self._lacking_names([own, *helpers], winner):
                why = (_("imports a module that is not available when grading (only torch, numpy, math and the "
                         "standard library)") if is_import else _("a statement that does not run when grading: pass it "
                         "as an argument or define it as a constant (NAME = value) in an earlier cell"))
                notes.append(_("`{part}` uses `{name}`, which is only defined in {cell} (line {line}: "
                               "`{shown}`), {why}.", part=part, name=name, cell=self.labels[index], line=line,
                               shown=shown, why=why))
        for index in sorted(set(self.dropped) | set(self.cell_notes) | set(self.broken)):
            parts = concerned.get(index, set())
            texts = [self.broken[index]] if index in self.broken else []
            if parts:  # only the cells a part was taken from: the others only show or check something
                texts += self.cell_notes.get(index, [])
                loud = [(n, what) for n, what in self.dropped.get(index, []) if (index, n) not in self.quiet]
                if loud:
                    texts.append(_dropped_note(self.labels[index], loud))
            for text in texts:
                result.notes.append(text)
                for part in sorted(parts):
                    if text not in result.part_notes[part]:
                        result.part_notes[part].append(text)
        for part in self.parts:
            for text in result.part_notes.get(part, []):
                if text not in result.notes:
                    result.notes.append(text)

    def _lacking_names(self, pieces: list[_Piece], winner: dict[str, _Piece]) -> list[tuple[str, tuple]]:
        """Names the pieces read that only a dropped statement binds (a data variable, a plot import)."""
        if self.star_import:
            return []
        found = {}
        for piece in pieces:
            for name in sorted(piece.uses):
                if name not in winner and name not in _BUILTIN_NAMES and name in self.dropped_binders:
                    found[name] = self.dropped_binders[name]
        return sorted(found.items())


def _defined_by_text(source: str, parts: list[str]) -> list[str]:
    """The parts a cell seems to define (for cells that could not be parsed or do not count)."""
    return [part for part in parts
            if re.search(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(part)}\b", source, re.M)]


# --- cells: IPython syntax -------------------------------------------------------------------------------

def _cell_python(cell: CodeCell, note) -> str | None:
    """The cell as plain Python (same line numbers), or None when the whole cell does not count."""
    lines = cell.source.splitlines()
    if not lines:
        return ""
    first = lines[0].strip()
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic not in BODY_CELL_MAGICS:
            note(_("{cell}: it is a `%%{magic}` cell (not the notebook's Python): it was not graded.",
                   cell=cell.label, magic=magic))
            return None
        note(_("{cell}: `%%{magic}` on the first line was ignored; the rest of the cell counts.",
               cell=cell.label, magic=magic))
        lines[0] = ""
    code = "\n".join(lines)
    if _parses(code):
        return code
    removed = _ipython_lines(code)
    for number in removed:
        line = lines[number - 1]
        indent = line[: len(line) - len(line.lstrip())]
        lines[number - 1] = f"{indent}pass" if indent else ""  # keeps blocks valid and line numbers right
    if removed:
        listed = ", ".join(str(n) for n in removed[:5]) + (" …" if len(removed) > 5 else "")
        note(_("{cell}: {count} line(s) with IPython commands (%, !, ?) were removed: line(s) {listed}.",
               cell=cell.label, count=len(removed), listed=listed))
    return "\n".join(lines)


#: CPython 3.11 keeps the AST constructor's recursion count in one place per process: two threads
#: building ASTs at once (class grading grades students in threads) corrupt it for good
#: ("AST constructor recursion depth mismatch"), and every later AST in the process fails.
_AST_LOCK = threading.Lock()


def parse_ast(code: str, filename: str, flags: int = 0):
    """``compile(code, filename, "exec", PyCF_ONLY_AST | flags)``, one thread at a time."""
    with _AST_LOCK:
        return compile(code, filename, "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True)


def _parses(code: str) -> bool:
    try:  # bytecode first, for the reason given in Extraction.add_cell
        compile(code, "<celda>", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        parse_ast(code, "<celda>", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _ipython_lines(code: str) -> list[int]:
    """The (1-based) lines IPython would turn into magic/shell/help calls.

    IPython's own transformer decides (a ``%`` that continues an expression on the next line is
    not a magic); its output is only compared with the input, never run. Without IPython, or
    when the transformer changes the number of lines, a line-start heuristic decides.
    """
    lines = code.splitlines()
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        transformed = TransformerManager().transform_cell(code + "\n").splitlines()
    except Exception:  # no IPython here, or input it cannot tokenize: the heuristic decides
        transformed = None
    if transformed is not None and len(transformed) == len(lines):
        return [n for n, (a, b) in enumerate(zip(lines, transformed), start=1) if a != b]
    return [n for n, line in enumerate(lines, start=1)
            if _LINE_MAGIC.match(line) or _ASSIGNED_ESCAPE.match(line) or _HELP.match(line)]


# --- statements -----------------------------------------------------------------------------------------

def _imports_something_else(node: ast.Import | ast.ImportFrom) -> bool:
    """True for an import no part needs (the checker, plotting, datasets) or a relative one."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return True
        modules = [node.module or ""]
    else:
        modules = [alias.name for alias in node.names]
    return any(not (m.split(".")[0] in PART_PACKAGES or m.split(".")[0] in sys.stdlib_module_names)
               for m in modules)


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in target.elts)


def _constant_like(node: ast.expr, needed: set[str], indexed: set[str]) -> bool:
    """Whether ``node`` is a constant's value (module doc); collects the names it reads, and in
    ``indexed`` the names it reads an item of (``d["k"]``)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        needed.add(node.id)
        return True
    if isinstance(node, ast.Attribute):
        return _constant_like(node.value, needed, indexed)
    if isinstance(node, ast.UnaryOp):
        return _constant_like(node.operand, needed, indexed)
    if isinstance(node, ast.BinOp):
        return _constant_like(node.left, needed, indexed) and _constant_like(node.right, needed, indexed)
    if isinstance(node, ast.BoolOp):
        return all(_constant_like(v, needed, indexed) for v in node.values)
    if isinstance(node, ast.Compare):
        return all(_constant_like(v, needed, indexed) for v in [node.left, *node.comparators])
    if isinstance(node, ast.IfExp):
        return all(_constant_like(v, needed, indexed) for v in (node.test, node.body, node.orelse))
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant_like(e, needed, indexed) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _constant_like(k, needed, indexed) for k in node.keys) and all(
            _constant_like(v, needed, indexed) for v in node.values)
    if isinstance(node, ast.Starred):
        return _constant_like(node.value, needed, indexed)
    if isinstance(node, ast.Subscript):
        if isinstance(node.value, ast.Name):
            indexed.add(node.value.id)
        return _constant_like(node.value, needed, indexed) and _constant_like(node.slice, needed, indexed)
    if isinstance(node, ast.Slice):
        return all(p is None or _constant_like(p, needed, indexed) for p in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Lambda):  # a function: its body runs only when called
        needed |= _argument_defaults(node.args)
        return True
    if isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id in PURE_BUILTINS):
            return False
        needed.add(node.func.id)
        return all(_constant_like(a, needed, indexed) for a in node.args) and all(
            _constant_like(k.value, needed, indexed) for k in node.keywords)
    return False


#: The in-place methods of list, dict, set and bytearray: a constant container (a literal) has no
#: others, so reading ``d.keys()`` or ``lista.index(3)`` in a print leaves its items constant.
_MUTATING_METHODS = frozenset({"append", "extend", "insert", "remove", "pop", "popitem", "clear", "sort",
                               "reverse", "update", "setdefault", "add", "discard", "difference_update",
                               "intersection_update", "symmetric_difference_update", "__setitem__",
                               "__delitem__", "__iadd__", "__ior__"})


def _mutated_names(node: ast.stmt) -> set[str]:
    """Names whose object a (dropped) statement may change in place: an item or attribute stored
    or deleted (``d[k] = v``, ``del d[k]``, ``d.x += 1``) or an in-place method called
    (``d.update(...)``, ``lista.append(x)``)."""
    names = set()
    for child in _walk_shallow(node):
        target = None
        if isinstance(child, (ast.Subscript, ast.Attribute)) and isinstance(child.ctx, (ast.Store, ast.Del)):
            target = child.value
        elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
              and child.func.attr in _MUTATING_METHODS):
            target = child.func.value
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _bindings(node: ast.stmt) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names a kept statement binds, names it unbinds)."""
    if isinstance(node, _DEFINITIONS):
        return (node.name,), ()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return tuple((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"), ()
    if isinstance(node, ast.Delete):
        return (), tuple(t.id for t in node.targets if isinstance(t, ast.Name))
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return tuple(_assigned_names(node)), ()
    return (), ()


def _assigned_names(node: ast.stmt) -> list[str]:
    """Top-level names a (possibly dropped) statement stores: ``x = ...``, ``for x in``, ``with ... as x``."""
    if isinstance(node, _DEFINITIONS):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
    names = []
    for child in _walk_shallow(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.append(child.id)
    return names


def _walk_shallow(node: ast.AST):
    """ast.walk without entering function/class/lambda bodies (their names are not the module's)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            stack.append(child)


def _is_silent(node: ast.stmt) -> bool:
    """Statements not worth a note: ``pass``, a bare string or ``...``."""
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def _nested_definitions(node: ast.stmt) -> set[str]:
    """Names of the def/class statements inside a dropped block (``if``, ``try``, ``with``...)."""
    return {child.name for child in ast.walk(node) if isinstance(child, _DEFINITIONS)}


# --- names: what a definition needs when it runs, and what its body reads ---------------------------------

def _loaded_names(node: ast.AST | None) -> set[str]:
    """Names read by an expression, minus those it binds itself (comprehension targets, walrus)."""
    if node is None:
        return set()
    loads, stores = set(), set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Lambda):
            loads |= _argument_defaults(current.args)
            continue
        if isinstance(current, ast.Name):
            (loads if isinstance(current.ctx, ast.Load) else stores).add(current.id)
        stack.extend(ast.iter_child_nodes(current))
    return loads - stores


def _argument_defaults(args: ast.arguments) -> set[str]:
    names = set()
    for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
        names |= _loaded_names(default)
    return names


def _annotations(args: ast.arguments, returns) -> set[str]:
    names = _loaded_names(returns)
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if arg is not None:
            names |= _loaded_names(arg.annotation)
    return names


def _definition_time_names(node: ast.stmt, annotations_deferred: bool) -> set[str]:
    """Names evaluated when a def/class statement runs (decorators, defaults, bases, class body)."""
    names = set()
    for decorator in node.decorator_list:
        names |= _loaded_names(decorator)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        names |= _argument_defaults(node.args)
        if not annotations_deferred:
            names |= _annotations(node.args, node.returns)
        return names
    for base in [*node.bases, *(k.value for k in node.keywords)]:
        names |= _loaded_names(base)
    local = set(_CLASS_NAMES)
    for statement in node.body:  # the class body runs when the class is defined
        if isinstance(statement, _DEFINITIONS):
            names |= _definition_time_names(statement, annotations_deferred) - local
        else:
            names |= _statement_loads(statement) - local
        local |= set(_assigned_names(statement))
    return names


def _statement_loads(node: ast.stmt) -> set[str]:
    loads, stores = set(), set()
    for child in _walk_shallow(node):
        if isinstance(child, ast.Lambda):
            loads |= _argument_defaults(child.args)
        elif isinstance(child, _DEFINITIONS):
            loads |= _definition_time_names(child, False)
        elif isinstance(child, ast.Name):
            (loads if isinstance(child.ctx, ast.Load) else stores).add(child.id)
    return loads - stores


def _global_uses(node: ast.stmt) -> set[str]:
    """Names a kept statement may read from the module when it (or its functions) run: every name
    read anywhere inside it that is not bound inside it. Over-approximate on purpose (a local
    that shadows a global only adds a cell to the list of those a part was taken from)."""
    loads, local = set(), set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            (loads if isinstance(child.ctx, ast.Load) else local).add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = child.args
            local |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
                      if a is not None}
            if not isinstance(child, ast.Lambda):
                local.add(child.name)
        elif isinstance(child, ast.ClassDef):
            local.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            local |= {(a.asname or a.name).split(".")[0] for a in child.names}
        elif isinstance(child, ast.ExceptHandler) and child.name:
            local.add(child.name)
    return loads - local


def _closure(piece: _Piece, winner: dict[str, _Piece]) -> list[_Piece]:
    """The pieces ``piece`` reaches through the names it uses (its helpers, their helpers...)."""
    seen, order, frontier = {id(piece)}, [], [piece]
    while frontier:
        current = frontier.pop()
        for name in sorted(current.uses):
            other = winner.get(name)
            if other is not None and id(other) not in seen:
                seen.add(id(other))
                order.append(other)
                frontier.append(other)
    return order


# --- text -----------------------------------------------------------------------------------------------

def _segment(code: str, lines: list[str], node: ast.stmt, first: int) -> str:
    """The exact text of a statement, from its first decorator to its last character."""
    if first == node.lineno:
        return ast.get_source_segment(code, node) or ""
    end_line, end_col = node.end_lineno, node.end_col_offset
    body = lines[first - 1:end_line]
    body[-1] = body[-1][:end_col] if len(body) > 1 else body[-1]
    return "\n".join(body)


def _compiles(text: str, flags: int) -> bool:
    """Whether a kept statement compiles on its own (``yield`` in a class body parses but does not)."""
    try:
        compile(text, SUBMISSION_FILE, "exec", flags, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _printable(label: str) -> str:
    """A label safe inside a one-line comment (a file name may hold a newline)."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", "?", label)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _SHOWN_CHARS else line[:_SHOWN_CHARS - 1] + "…"


def _dropped_note(label: str, dropped: list[tuple[int, str]]) -> str:
    if len(dropped) == 1:
        line, what = dropped[0]
        return (_("{cell}: `{what}` did not run when grading (line {line}): only the imports, defs, "
                 "classes and constants of each cell count.", cell=label, what=what, line=line))
    shown = "; ".join(_("`{what}` (line {line})", what=what, line=line)
                      for line, what in dropped[:3]) + (" …" if len(dropped) > 3 else "")
    return (_("{cell}: {count} statements that are not definitions did not run when grading: "
             "{shown}. Only the imports, defs, classes and constants of each cell count.", cell=label,
             count=len(dropped), shown=shown))
