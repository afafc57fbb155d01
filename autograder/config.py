"""course.yaml: its schema, and loading it with one clear message per mistake.

The shape of course.yaml is a contract (other tools read it): a ``course`` section, a
``grading`` section and an ``assignments`` list whose entries have ``name`` and ``parts``
(part name -> points). Example::

    course = load_course()                       # the repository's course.yaml
    course.assignment("convolutions").parts      # {'conv2d': 30, ...}
"""
from __future__ import annotations

import ast
import datetime as dt
import difflib
import hashlib
import typing
from pathlib import Path
from typing import Annotated, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from autograder.i18n import _i, set_language
from autograder.errors import CourseConfigError  # noqa: F401 - raised here; imported from here by callers
from autograder.messages import language_of, text

#: The repository root: course.yaml, solutions/ and tests/ live here.
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COURSE_FILE = REPO_ROOT / "course.yaml"


class _Strict(BaseModel):
    # strict: points written "30" (a string) are refused, not read as 30; a path stays lax (a
    # string is how YAML writes one), and so does a date (YAML's own timestamps or a quoted one).
    # No .inf or .nan either: a part worth infinite points, or a timeout of NaN seconds, is a typo.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


#: A folder in course.yaml (a string there).
LaxPath = Annotated[Path, Field(strict=False)]
#: Points of one part.
Points = Annotated[float, Field(ge=0)]


class LatePenalty(_Strict):
    """Fraction of the score lost per day late (started days count whole), capped at ``max``."""

    per_day: float = Field(0.0, ge=0, le=1)
    max: float = Field(1.0, ge=0, le=1)


class GradeScale(_Strict):
    """The course's own grade scale (``course.grade_scale``, optional): the score's fraction of the
    maximum maps linearly onto [min, passing] below ``passing_fraction`` and onto [passing, max]
    above it, rounded to ``decimals``. Chile's 1–7 with a 4 at 60 %: ``grade(0.6) == 4.0``,
    ``grade(1.0) == 7.0``, ``grade(0.3) == 2.5``."""

    min: float = 1.0
    max: float = 7.0
    passing: float = 4.0
    passing_fraction: float = Field(0.6, gt=0, lt=1)
    decimals: int = Field(1, ge=0, le=3)

    @model_validator(mode="after")
    def _ordered(self) -> "GradeScale":
        if not self.min < self.passing < self.max:
            raise ValueError("grade_scale needs min < passing < max")
        return self

    def grade(self, fraction: float) -> float:
        """The grade of a score that is ``fraction`` of the maximum (clamped to [0, 1])."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        if fraction < self.passing_fraction:
            value = self.min + (self.passing - self.min) * fraction / self.passing_fraction
        else:
            value = self.passing + (self.max - self.passing) * (fraction - self.passing_fraction) / (1 - self.passing_fraction)
        return round(value, self.decimals)


class CourseInfo(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    language: str = "es"
    seed: int = Field(ge=0)
    course_dir: LaxPath = Path(".nbgrader/course")
    exchange: LaxPath = Path(".nbgrader/exchange")
    timezone: str = "UTC"
    #: Optional roster: a CSV with nbgrader's ``db student import`` columns (id, first_name,
    #: last_name, email), relative to this file; release puts its names into the gradebook.
    roster: Optional[Path] = None
    #: Optional: the course's own grade scale; feedback pages then also show the grade on it.
    grade_scale: Optional[GradeScale] = None


class SubmissionLimits(_Strict):
    """Caps on what a student hands the trusted side (collect, loading a submission).

    A file, a submission or an LMS archive beyond them is refused (with a note), never read
    whole: the trusted process's memory and disk stay bounded whatever a student uploads.
    """

    #: One file of a submission (a notebook with image outputs is a few MB).
    file_mb: float = Field(20, gt=0)
    #: Everything one student submits for one assignment.
    submission_mb: float = Field(50, gt=0)
    #: How many files (and folders) one submission may hold.
    files: int = Field(500, ge=1)
    #: An LMS zip's uncompressed total, counted while it is read (not from its headers).
    archive_mb: float = Field(2048, gt=0)
    #: An LMS zip's largest expansion of one entry (uncompressed / compressed bytes).
    compression_ratio: float = Field(200, gt=1)

    @property
    def file_bytes(self) -> int:
        return int(self.file_mb * 2**20)

    @property
    def submission_bytes(self) -> int:
        return int(self.submission_mb * 2**20)

    @property
    def archive_bytes(self) -> int:
        return int(self.archive_mb * 2**20)


#: When a student sees a test's result on Gradescope (its ``visibility`` values).
ResultVisibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class Visibility(_Strict):
    """On grading engines that can hide results (Gradescope): each test kind's visibility, else ``default``."""

    default: ResultVisibility = "visible"
    by_kind: dict[str, ResultVisibility] = Field(default_factory=dict)

    def of(self, test_kind: str) -> str:
        return self.by_kind.get(test_kind, self.default)


class Grading(_Strict):
    call_timeout: float = Field(120, gt=0)
    submission_timeout: float = Field(900, gt=0)
    memory_mb: int = Field(6144, ge=256)
    max_processes: int = Field(64, ge=1)
    max_output_kb: int = Field(256, ge=1)
    # Bytes the trusted side accepts from a worker: one reply, and one submission in all.
    max_reply_mb: int = Field(256, ge=1)
    max_replies_mb: int = Field(4096, ge=1)
    test_weights: dict[str, float] = Field(default_factory=dict)
    submission_limits: SubmissionLimits = SubmissionLimits()
    visibility: Visibility = Visibility()

    @field_validator("test_weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in weights.items() if v <= 0]
        if bad:
            raise PydanticCustomError("weight_positive", "weights must be > 0 (check {bad})", {"bad": ", ".join(bad)})
        return weights

    def weight(self, test_kind: str) -> float:
        return self.test_weights.get(test_kind, 1.0)


class Report(_Strict):
    """The class report's optional settings (``report:`` in course.yaml; every key optional)."""

    #: Final scores below this fraction of the maximum are listed under "needs attention".
    attention_below: float = Field(0.5, ge=0, le=1)
    #: Two submissions whose own code (the released stub removed) shares at least this fraction
    #: of fingerprints are shown as a pair to look at: a lead, never a grade.
    similarity_threshold: float = Field(0.8, gt=0, le=1)


class Assignment(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    notebook: str = ""
    due: Annotated[Optional[dt.datetime], Field(strict=False)] = None
    late_penalty: LatePenalty = LatePenalty()
    parts: dict[str, Points]

    @field_validator("parts")
    @classmethod
    def _some_parts(cls, parts: dict[str, float]) -> dict[str, float]:
        if not parts:
            raise PydanticCustomError("no_parts", "needs at least one part")
        return parts

    @field_validator("notebook")
    @classmethod
    def _notebook(cls, notebook: str) -> str:
        if notebook and (not notebook.endswith(".ipynb") or "/" in notebook or "\\" in notebook):
            raise PydanticCustomError("notebook_suffix", "the notebook {got} must end in .ipynb",
                                      {"got": repr(notebook)})
        return notebook

    @field_validator("due")
    @classmethod
    def _aware(cls, due: Optional[dt.datetime]) -> Optional[dt.datetime]:
        if due is not None and due.tzinfo is None:
            raise PydanticCustomError("due_offset", "needs a UTC offset, e.g. 2026-12-11T23:59:00-03:00",
                                      {"got": due.isoformat()})
        return due

    @model_validator(mode="after")
    def _default_notebook(self) -> "Assignment":
        if not self.notebook:
            self.notebook = f"{self.name}.ipynb"
        return self

    @property
    def max_score(self) -> float:
        return float(sum(self.parts.values()))


class Course(_Strict):
    course: CourseInfo
    grading: Grading = Grading()
    report: Report = Report()
    assignments: list[Assignment]
    #: Where this course.yaml lives; relative folders are resolved against it.
    root: LaxPath = Field(default=REPO_ROOT, exclude=True)
    #: The course file itself (any name): what a grading subprocess is given to read.
    source: LaxPath = Field(default=DEFAULT_COURSE_FILE, exclude=True)
    #: The parsed YAML tree (marks: line and column of every key and value), for messages.
    _tree: Optional[yaml.Node] = PrivateAttr(default=None)
    #: Loaded from a release's public facts (PUBLIC_FACTS_FILE): each assignment's public seed,
    #: the only seed such a course has (the course's own seed never leaves course.yaml).
    _public_seeds: Optional[dict[str, int]] = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique(self) -> "Course":
        if "source" not in self.model_fields_set:  # built by hand with only a root: its course.yaml
            self.source = self.root / "course.yaml"
        names = [a.name for a in self.assignments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise PydanticCustomError("names_unique", "assignment names must be unique (repeated: {dupes})",
                                      {"dupes": ", ".join(dupes)})
        return self

    @property
    def language(self) -> str:
        return language_of({"course": {"language": self.course.language}})

    def problem_at(self, loc: tuple, message: str, *, name: str = "", key: str = "", key_node: bool = False) -> str:
        """One line about course.yaml at ``loc`` (pydantic-style path): file:line:col, assignment, key, message."""
        where = [text("assignment", self.language, name=name)] if name else []
        if key:
            where.append(text("key", self.language, key=key))
        node = _locate(self._tree, loc, key=key_node) if self._tree is not None else None
        return _line(self.source, node, ", ".join(where) + (": " if where else "") + message)

    def assignment(self, name: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        known = ", ".join(a.name for a in self.assignments)
        raise CourseConfigError(f"{self.source}: " + text("unknown_assignment", self.language, name=name, known=known))

    @property
    def course_dir(self) -> Path:
        return (self.root / self.course.course_dir).resolve()

    @property
    def exchange_dir(self) -> Path:
        return (self.root / self.course.exchange).resolve()

    @property
    def roster_file(self) -> Optional[Path]:
        return (self.root / self.course.roster).resolve() if self.course.roster else None

    def seed_for(self, assignment: str, salt: str = "hidden") -> int:
        """The Hypothesis seed of one assignment's suites: derived from course.yaml, never the clock."""
        if self._public_seeds is not None:
            if salt != "public" or assignment not in self._public_seeds:
                raise CourseConfigError(f"{self.source}: " + _i(
                    "only the public checks ({assignment}) can run from a release's public facts; "
                    "grading needs the course's course.yaml", assignment=assignment))
            return self._public_seeds[assignment]
        digest = hashlib.sha256(f"{self.course.seed}:{assignment}:{salt}".encode()).digest()
        return int.from_bytes(digest[:4], "big")


#: A course.yaml is a few KB; anything past this is refused before it is parsed.
MAX_COURSE_BYTES = 1 << 20
#: Nodes the YAML tree may hold once its aliases are expanded (a "billion laughs" expands to 10^9).
MAX_YAML_NODES = 100_000
#: Keys of the top level that only the loader sets.
_LOADER_ONLY = ("root", "source")


def load_course(path: Path | str | None = None) -> Course:
    """Read and validate course.yaml; raise CourseConfigError with one line per mistake.

    Each line names the file, the line and column, the assignment (by name), the key, and what
    is accepted, in the course's language::

        course.yaml:52:16: tarea «convolutions», clave `parts.conv2d`: debe ser un número, no '30' (...)
    """
    path = Path(path) if path is not None else DEFAULT_COURSE_FILE
    tree, data = _read_yaml(path)
    if isinstance(data, dict) and "public_facts" in data:
        return _public_course(path, tree, data)
    language = language_of(data)
    if not isinstance(data, dict):
        raise CourseConfigError(_line(path, tree, text("not_mapping", language, got=_kind(data, language))))
    reserved = [key for key in _LOADER_ONLY if key in data]
    if reserved:
        key_node = _locate(tree, (reserved[0],), key=True)
        raise CourseConfigError(_line(path, key_node, text("reserved_key", language, key=reserved[0],
                                                           accepted=", ".join(_fields(Course)))))
    try:
        course = Course(**data, root=path.resolve().parent, source=path.resolve())
    except ValidationError as exc:
        lines = [_describe(path, tree, data, err, language) for err in exc.errors()]
        raise CourseConfigError("\n".join(dict.fromkeys(lines))) from None
    course._tree = tree
    return course


def use_course_language(course: Course) -> str:
    """Make ``course``'s ``course.language`` the language of every message from now on (the CLI
    calls it right after loading the course; so do the entry points that load one themselves)."""
    return set_language(course.language)


# --- a release's public facts: what check() needs where only the package is installed -------------

#: Written by ``autograder release`` beside the released notebook; found by ``check()`` in the
#: notebook's folder or its parents. Student-visible: only what the public checks use.
PUBLIC_FACTS_FILE = "curso_publico.yaml"
_PUBLIC_FACTS_VERSION = 1


class PublicCourseInfo(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    language: str = "es"


class PublicAssignment(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    notebook: str
    parts: dict[str, Points]
    #: The seed of the assignment's public checks (``seed_for(name, "public")``): a hash of the
    #: course's seed, which it does not reveal.
    public_seed: int = Field(ge=0)


class PublicFacts(_Strict):
    public_facts: Literal[1]
    course: PublicCourseInfo
    grading: Grading = Grading()
    assignments: list[PublicAssignment]


def public_facts(course: Course) -> dict:
    """What the public checks of ``course`` need, and nothing else: each assignment's name, notebook,
    parts and points and public seed, the course's id, title and language, the grading limits and
    weights. Never the course's seed, due dates, roster, suites or solutions. Example::

        public_facts(load_course())["assignments"][0]["public_seed"]   # 1894666123
    """
    facts = PublicFacts(
        public_facts=_PUBLIC_FACTS_VERSION,
        course=PublicCourseInfo(id=course.course.id, title=course.course.title, language=course.course.language),
        grading=course.grading,
        assignments=[PublicAssignment(name=a.name, title=a.title, notebook=a.notebook, parts=a.parts,
                                      public_seed=course.seed_for(a.name, "public")) for a in course.assignments])
    return facts.model_dump(mode="json")


def write_public_facts(course: Course, folder: Path) -> Path:
    """Write ``folder/PUBLIC_FACTS_FILE`` (see :func:`public_facts`); return its path."""
    target = Path(folder) / PUBLIC_FACTS_FILE
    header = _i("# GENERATED by `autograder release`: what check() needs to run the public checks\n"
                "# where only the package is installed. Do not edit it.\n")
    target.write_text(header + yaml.safe_dump(public_facts(course), allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    return target


def find_public_facts(start: Path | str) -> Optional[Path]:
    """The nearest PUBLIC_FACTS_FILE in ``start`` or one of its parents, or None."""
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / PUBLIC_FACTS_FILE).is_file():
            return candidate / PUBLIC_FACTS_FILE
    return None


def _public_course(path: Path, tree: yaml.Node, data: dict) -> Course:
    """A Course from a release's public facts: only its public checks can run (see Course.seed_for)."""
    try:
        facts = PublicFacts(**data)
    except ValidationError as exc:
        lines = [_line(path, _locate(tree, tuple(err["loc"])), f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
                 for err in exc.errors()]
        raise CourseConfigError("\n".join(dict.fromkeys(lines))) from None
    info = facts.course
    course = Course(course=CourseInfo(id=info.id, title=info.title, language=info.language, seed=0),
                    grading=facts.grading, root=path.resolve().parent, source=path.resolve(),
                    assignments=[Assignment(**a.model_dump(exclude={"public_seed"})) for a in facts.assignments])
    course._tree = tree
    course._public_seeds = {a.name: a.public_seed for a in facts.assignments}
    return course


def _read_yaml(path: Path) -> tuple[yaml.Node, object]:
    """The file's YAML tree (with marks) and its data; one clear line for every way it can be unreadable."""
    try:
        if path.exists() and not path.is_file():  # a FIFO would block the read forever, a device never end
            raise CourseConfigError(f"{path}: " + text("not_a_file"))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_COURSE_BYTES + 1)
    except OSError as exc:
        raise CourseConfigError(f"{path}: " + text("unreadable", reason=exc.strerror or type(exc).__name__)) from None
    if len(raw) > MAX_COURSE_BYTES:
        size = path.stat().st_size if path.is_file() else len(raw)
        raise CourseConfigError(f"{path}: " + text("too_big", size=size, limit=MAX_COURSE_BYTES))
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CourseConfigError(f"{path}: " + text("not_utf8", offset=exc.start)) from None
    loader = _MarkedLoader(source)
    try:
        tree = loader.get_single_node()
        if tree is None:
            raise CourseConfigError(f"{path}: " + text("empty"))
        _check_tree(path, tree)
        data = loader.construct_document(tree)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "expected a single document" in str(exc.context or ""):
            problem = text("several_documents")
        else:
            problem = text("bad_yaml", problem=" ".join(str(exc.problem or exc.context).split()))
        raise CourseConfigError(_at(path, mark, problem)) from None
    except yaml.YAMLError as exc:
        raise CourseConfigError(f"{path}: " + text("bad_yaml", problem=" ".join(str(exc).split()))) from None
    except RecursionError:
        raise CourseConfigError(f"{path}: " + text("too_deep")) from None
    finally:
        loader.dispose()
    return tree, data


class _MarkedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, used in two steps (compose, then construct) so the tree keeps its marks."""


def _check_tree(path: Path, tree: yaml.Node) -> None:
    """Duplicate keys, non-string keys and alias bombs, found on the tree before anything is built."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def expanded(node: yaml.Node) -> int:
        # Memoised by node: an alias is the same node object, so a "billion laughs" costs its
        # size in nodes here, never its expansion.
        if id(node) in active:
            raise CourseConfigError(_line(path, node, text("alias_cycle")))
        if id(node) in sizes:
            return sizes[id(node)]
        active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(expanded(k) + expanded(v) for k, v in node.value)
            seen: dict[str, yaml.Node] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise CourseConfigError(_line(path, key, text("bad_key", got=_kind(key.value))))
                if key.tag == "tag:yaml.org,2002:merge":
                    continue
                if key.value in seen:
                    raise CourseConfigError(_line(path, key, text(
                        "duplicate_key", key=key.value, first=seen[key.value].start_mark.line + 1)))
                seen[key.value] = key
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(expanded(item) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = total
        active.discard(id(node))
        if total > MAX_YAML_NODES:
            raise CourseConfigError(_line(path, node, text("alias_bomb", limit=MAX_YAML_NODES)))
        return total

    expanded(tree)


def _at(path: Path, mark, message: str) -> str:
    if mark is None:
        return f"{path}: {message}"
    return f"{path}:{mark.line + 1}:{mark.column + 1}: {message}"


def _line(path: Path, node: Optional[yaml.Node], message: str) -> str:
    return _at(path, node.start_mark if node is not None else None, message)


def _locate(tree: Optional[yaml.Node], loc: tuple, *, key: bool = False) -> Optional[yaml.Node]:
    """The deepest node of ``tree`` on the path ``loc`` (pydantic's): the value, or its key when ``key``."""
    node, key_node = tree, None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)]
            if not pairs:
                break
            key_node, node = pairs[-1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            key_node, node = None, node.value[step]
        else:
            break
    return key_node if key and key_node is not None else node


def _model_at(loc: tuple) -> Optional[type[BaseModel]]:
    """The model class that validates the mapping at ``loc`` (Course at the top), if any."""
    annotation: object = Course
    for step in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(step))
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) in (list, dict):
            annotation = typing.get_args(annotation)[-1]
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _unwrap(annotation):
    while typing.get_origin(annotation) in (typing.Union, Annotated) or \
            str(typing.get_origin(annotation)) == "<class 'types.UnionType'>":
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return annotation


def _fields(model: type[BaseModel]) -> list[str]:
    return [name for name in model.model_fields if name not in _LOADER_ONLY]


def _kind(value, language: str = "es") -> str:
    if isinstance(value, bool):
        return repr(value).lower()
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    return {dict: text("a_mapping", language), list: text("a_list", language)}.get(type(value), type(value).__name__)


_PATTERNS = {r"^[a-z][a-z0-9_]*$": "pattern_name", r"^[A-Za-z0-9_.-]+$": "pattern_id"}
_TYPES = {"finite_number": "finite_number", "float_type": "float_type", "float_parsing": "float_type", "int_type": "int_type",
          "int_from_float": "int_type", "int_parsing": "int_type", "string_type": "string_type",
          "bool_type": "bool_type", "dict_type": "dict_type", "model_type": "model_type",
          "model_attributes_type": "model_type", "list_type": "list_type", "path_type": "path_type",
          "datetime_type": "datetime", "datetime_parsing": "datetime", "datetime_from_date_parsing": "datetime"}


def _describe(path: Path, tree: yaml.Node, data: dict, err: dict, language: str) -> str:
    """One line for one pydantic error: file:line:col, the assignment by name, the key, what to fix."""
    loc = tuple(step for step in err["loc"] if step != "[key]")
    kind, ctx, got = err["type"], err.get("ctx") or {}, _kind(err.get("input"), language)
    where = []
    keys = loc
    if len(loc) >= 2 and loc[0] == "assignments" and isinstance(loc[1], int):
        entries = data.get("assignments")
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        where.append(text("assignment", language, name=name) if isinstance(name, str) and name
                     else text("assignment_n", language, n=loc[1] + 1))
        keys = loc[2:]
    if kind in ("missing", "extra_forbidden"):
        parent, key = loc[:-1], str(loc[-1]) if loc else ""
        node = _locate(tree, loc, key=True) if kind == "extra_forbidden" else _locate(tree, parent)
        if keys[:-1]:
            where.append(text("key", language, key=".".join(map(str, keys[:-1]))))
        if kind == "missing":
            message = text("missing", language, key=key)
        else:
            model = _model_at(parent)
            accepted = _fields(model) if model else []
            guess = difflib.get_close_matches(key, accepted, n=1)
            hint = text("did_you_mean", language, guess=guess[0]) if guess else ""
            message = text("extra_forbidden", language, key=key, hint=hint,
                           accepted=", ".join(accepted) or text("nothing", language))
    else:
        node = _locate(tree, loc)
        if keys:
            where.append(text("key", language, key=".".join(map(str, keys))))
        if err["loc"] and err["loc"][-1] == "[key]":
            kind = "bad_key"
        message = _problem(kind, ctx, got, err, language)
    return _line(path, node, ", ".join(where) + (": " if where else "") + message)


def _problem(kind: str, ctx: dict, got: str, err: dict, language: str) -> str:
    if kind in _TYPES:
        return text(_TYPES[kind], language, got=got)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return text(kind, language, got=got, **{k: _kind(int(v) if float(v).is_integer() else v) for k, v in ctx.items()})
    if kind == "literal_error":
        return text(kind, language, got=got, expected=str(ctx.get("expected", "")).replace(" or ", ", "))
    if kind == "string_pattern_mismatch":
        rule = _PATTERNS.get(ctx.get("pattern", ""))
        return text(kind, language, got=got, rule=text(rule, language) if rule else ctx.get("pattern", ""))
    if kind == "bad_key":
        return text("bad_key", language, got=got)
    if kind in ("no_parts", "notebook_suffix", "due_offset", "weight_positive", "names_unique"):
        return text(kind, language, **{"got": got, **ctx})
    return text("other", language, msg=err["msg"])


# --- cross-checks: what the course's files define (autograder validate) --------------------------

def course_problems(course: Course, assignments: Optional[list[str]] = None, *, notebooks: bool = True) -> list[str]:
    """What course.yaml names that the course's files do not define, one line each (empty: all good).

    Every part must be a top-level definition of ``solutions/<assignment>.py`` (:func:`solutions_dir`)
    and a graded part of the hidden suite ``tests/hidden/test_<assignment>.py``; with
    ``notebooks``, every notebook must be in the build output (``assignments/<name>/``).
    """
    language, problems = course.language, []
    for index, spec in enumerate(course.assignments):
        if assignments is not None and spec.name not in assignments:
            continue
        sources = {
            solutions_dir(course) / f"{spec.name}.py": _top_level_names,
            REPO_ROOT / "tests" / "hidden" / f"test_{spec.name}.py": _graded_parts,
        }
        for file, names_in in sources.items():
            try:
                defined = names_in(file)
            except FileNotFoundError:
                problems.append(course.problem_at(("assignments", index, "name"),
                                                  text("no_file", language, path=file), name=spec.name))
                continue
            except (OSError, SyntaxError, ValueError) as exc:
                problems.append(f"{file}: " + text("unreadable_python", language, path=file.name, problem=exc))
                continue
            for part in spec.parts:
                if part not in defined:
                    problems.append(course.problem_at(
                        ("assignments", index, "parts", part),
                        text("unknown_part", language, part=part, where=_shown(file, course),
                             known=", ".join(defined) or text("nothing", language)),
                        name=spec.name, key=f"parts.{part}", key_node=True))
        if notebooks:
            folder = build_output(course) / spec.name
            if not (folder / spec.notebook).is_file():
                found = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
                problems.append(course.problem_at(
                    ("assignments", index, "notebook"),
                    text("no_notebook", language, notebook=spec.notebook, folder=_shown(folder, course),
                         found=", ".join(found) or text("nothing", language), name=spec.name),
                    name=spec.name, key="notebook"))
    return problems


def solutions_dir(course: Course) -> Path:
    """The course's reference solutions: ``solutions/`` beside the course file; a course file with
    none beside it (an exported course's copy) uses the repository's, as grading does."""
    own = course.root / "solutions"
    return own if own.is_dir() else REPO_ROOT / "solutions"


def build_output(course: Course) -> Path:
    """Where ``autograder build`` wrote this course's notebooks: ``assignments/`` beside the course
    file; for a course copy that shares the repository's ``solutions/`` (the demo's), the repository's."""
    own = course.root / "assignments"
    shares_solutions = solutions_dir(course).resolve() == (REPO_ROOT / "solutions").resolve()
    return REPO_ROOT / "assignments" if not own.is_dir() and shares_solutions else own


def _shown(path: Path, course: Course) -> str:
    for base in (course.root, REPO_ROOT):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return str(path)


def _top_level_names(file: Path) -> list[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def _graded_parts(file: Path) -> list[str]:
    """Part names of a suite's ``@part("name", ...)`` decorators, in order of first use."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "part" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            names.append(node.args[0].value)
    return list(dict.fromkeys(names))
