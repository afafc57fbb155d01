"""Points from test outcomes: each part's points (course.yaml) shared among its tests by kind.

A test of kind K gets ``points * weight(K) / sum of its part's weights``; a failed test gets 0;
a part that reached torch's own op (autograder/grading/banned_ops.py: a banned kernel refused a
call, or the recorder saw the op) gets 0 and a ``banned_op`` flag; an integrity check that failed
(the ban found missing, a forged reply) zeroes every restricted part and flags ``tampering``. One
part never costs another its points. Where a part builds on another that also fails, its failed
tests say so.

No points without an answer: the kinds an empty answer also passes (:data:`CONDITIONAL_KINDS`:
a stub that raises "rejects" invalid arguments, code that returns zeros leaves its input
unchanged) earn points only while the part's main comparison passes. A part whose code still
raises ``NotImplementedError`` (the template's stub) and passes nothing else is "no implementada
todavía": exactly 0, and every test says so. Each test entry carries ``points`` and
``max_points``. Example::

    parts, flags = score_parts(course.assignment("convolutions"), course.grading, tests, ops_by_part)
    parts["conv2d"].score   # 30.0 when every conv2d test passed

The raw test results (``tests``) are the grading session's dicts; what comes out is the
report's own types (:mod:`autograder.grading.report`), validated as they are built.
"""
from __future__ import annotations

from autograder.config import Assignment, Grading
from autograder.grading.banned_ops import BANNED_FAMILIES, banned_ops_used
from autograder.grading.report import Flag, PartResult, TestResult
from autograder.i18n import N_, _

#: Kinds that an empty answer passes too (code that returns zeros leaves its input unchanged; a
#: stub that raises "rejects" every invalid argument): they earn points only while the part's
#: main comparison passes.
CONDITIONAL_KINDS = frozenset({"input_unchanged", "invalid_arguments"})
#: The main comparison of a part: its output against the reference on generated inputs.
MAIN_KINDS = frozenset({"matches_reference"})
MAIN_KIND = "matches_reference"
CONDITIONAL_MESSAGE = N_("This test only adds points when the output is correct: first fix the main test "
                         "of this part (matches the reference).")
#: The exception of the template's stubs (``raise NotImplementedError()``).
NOT_IMPLEMENTED = "NotImplementedError"
NOT_IMPLEMENTED_MESSAGE = N_("Not implemented yet: `{part}` still raises NotImplementedError (the `raise "
                             "NotImplementedError()` of the template, or that of a function it uses). Write your "
                             "solution in its cell and delete that line.")

#: Scores are rounded so that float noise never makes two identical runs differ.
DIGITS = 4


def score_parts(assignment: Assignment, grading: Grading, tests: list[dict],
                ops_by_part: dict[str, list[str]], refused_by_part: dict[str, list[str]] | None = None,
                tampering_by_part: dict[str, list[str]] | None = None) -> tuple[dict[str, PartResult], list[Flag]]:
    """The report's "parts" (in course.yaml's order) and the "banned_op"/"tampering" flags.

    ``refused_by_part``: the banned kernels each part's calls reached (the worker refused them);
    ``tampering_by_part``: what the lockdown refused, and integrity checks that failed.
    """
    refused_by_part, tampering_by_part = refused_by_part or {}, tampering_by_part or {}

    def banned_of(part: str) -> list[str]:
        return sorted(set(banned_ops_used(part, ops_by_part.get(part, ()))) | set(refused_by_part.get(part, ())))

    integrity_failed = any(entry.startswith(_("integrity: {problem}", problem="")) for items in tampering_by_part.values() for entry in items)
    voided = {p for p in assignment.parts if p in BANNED_FAMILIES} if integrity_failed else set()
    failing_parts = {t["part"] for t in tests if not t["passed"]}
    banned_parts = {p for p in assignment.parts if banned_of(p)}
    failing_parts |= banned_parts | voided
    parts: dict[str, PartResult] = {}
    flags: list[Flag] = []
    for part, points in assignment.parts.items():
        own = [t for t in tests if t["part"] == part] or [_not_graded(part)]
        total_weight = sum(grading.weight(t["kind"]) for t in own)
        banned = banned_of(part)
        if banned:
            flags.append(Flag(part=part, kind="banned_op",
                              message=_("`{part}` used torch's implementation ({ops}).", part=part,
                                        ops=", ".join(banned))))
        for entry in tampering_by_part.get(part, ()):
            flags.append(Flag(part=part, kind="tampering", message=_("`{part}`: {entry}", part=part, entry=entry)))
        if part in voided and not banned:
            banned = [_("integrity check failed: the ban stopped being in force")]
        main_failed = _main_failed(own)
        not_implemented = not banned and _not_implemented(own)
        entries = []
        for test in own:
            max_points = round(points * grading.weight(test["kind"]) / total_weight, DIGITS)
            passed, message = test["passed"], test["message"]
            if not_implemented:
                passed, message = False, _(NOT_IMPLEMENTED_MESSAGE, part=part)
            elif banned:
                passed = False
                message = (_banned_message(part, banned) + _through_note(test.get("builds_on", ()), banned_parts)
                           + (f"\n{message}" if message else ""))
            elif passed and main_failed and test["kind"] in CONDITIONAL_KINDS:
                passed, message = False, _(CONDITIONAL_MESSAGE)
            elif not passed or message:  # a passing test's note (it matched using your own failing part)
                message += _builds_on_note(test.get("builds_on", ()), failing_parts)
            entries.append(TestResult(name=test["name"], passed=passed, message=message, kind=test["kind"],
                                      points=max_points if passed else 0.0, max_points=max_points,
                                      input=None if passed else test.get("input")))
        # From the weights, not the rounded per-test points: all passed is exactly the part's points.
        passed_weight = sum(grading.weight(e.kind) for e in entries if e.passed)
        score = round(points * passed_weight / total_weight, DIGITS) if total_weight else 0.0
        parts[part] = PartResult(score=score, max_score=float(points), not_implemented=not_implemented,
                                 tests=entries)
    return parts, flags


def _main_failed(tests: list[dict]) -> bool:
    """The part's main comparison failed (a part without one: every other test failed)."""
    main = [t for t in tests if t["kind"] in MAIN_KINDS]
    if main:
        return any(not t["passed"] for t in main)
    others = [t for t in tests if t["kind"] not in CONDITIONAL_KINDS]
    return bool(others) and not any(t["passed"] for t in others)


def raised_not_implemented(test: dict) -> bool:
    """The test failed because the student's code raised NotImplementedError."""
    if test.get("raised") is not None:
        return test["raised"] == NOT_IMPLEMENTED
    return _("raised {exception}", exception=NOT_IMPLEMENTED) in (test.get("message") or "")


def _not_implemented(tests: list[dict]) -> bool:
    """A stub: some test failed on NotImplementedError and no test an empty answer fails passed."""
    answered = any(t["passed"] for t in tests if t["kind"] not in CONDITIONAL_KINDS)
    return not answered and any(not t["passed"] and raised_not_implemented(t) for t in tests)


def _not_graded(part: str) -> dict:
    """The entry of a part none of whose tests ran (the time ran out, or its suite has none)."""
    return {"name": _("not graded"), "part": part, "kind": "not_graded", "builds_on": [], "passed": False,
            "message": _("`{part}` did not get graded (the total grading time ran out).", part=part)}


def _banned_message(part: str, ops: list[str]) -> str:
    return (_("Part voided: `{part}` reached torch's implementation of the operation it asks for "
             "({ops}), directly or through an alias (F.conv2d, torch.conv2d, nn.Conv2d, "
             "F.max_pool2d...). Write it with tensor operations (F.pad, F.unfold, sums, products).", part=part,
             ops=", ".join(ops)))


def _through_note(builds_on, banned_parts: set[str]) -> str:
    through = [p for p in builds_on if p in banned_parts]
    if not through:
        return ""
    return (_(" Probably through {parts}, which uses it too: "
             "fix it and this part gets its points back.", parts=", ".join(f"`{p}`" for p in through)))


def _builds_on_note(builds_on, failing_parts: set[str]) -> str:
    failing = [p for p in builds_on if p in failing_parts]
    if not failing:
        return ""
    names = ", ".join(f"`{p}`" for p in failing)
    return (_("\nNote: this part builds (or may build) on {names}, which fails too; if you use it, "
             "fix it first: the error may come from there.", names=names))
