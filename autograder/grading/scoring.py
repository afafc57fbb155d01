"""Points from test outcomes: each part's points (course.yaml) shared among its tests by kind.

A test of kind K gets ``points * weight(K) / sum of its part's weights``; a failed test gets 0;
a part that reached torch's own op (autograder/grading/banned_ops.py) gets 0 and a flag. One
part never costs another its points. Where a part builds on another that also fails, its failed
tests say so. Example::

    parts, flags = score_parts(course.assignment("convolutions"), course.grading, tests, ops_by_part)
    parts["conv2d"]["score"]   # 30.0 when every conv2d test passed
"""
from __future__ import annotations

from autograder.config import Assignment, Grading
from autograder.grading.banned_ops import banned_ops_used

#: Kinds that say nothing about correctness on their own (code that returns zeros leaves its input
#: unchanged too): they earn points only while the part's main comparison passes.
CONDITIONAL_KINDS = frozenset({"input_unchanged"})
MAIN_KIND = "matches_reference"
CONDITIONAL_MESSAGE = ("Esta prueba sólo suma puntos cuando la salida es correcta: corrige primero la prueba "
                       "principal de esta parte (coincide con la referencia).")

#: Scores are rounded so that float noise never makes two identical runs differ.
DIGITS = 4


def score_parts(assignment: Assignment, grading: Grading, tests: list[dict],
                ops_by_part: dict[str, list[str]]) -> tuple[dict, list[dict]]:
    """The report's "parts" (in course.yaml's order) and the "banned_op" flags."""
    failing_parts = {t["part"] for t in tests if not t["passed"]}
    banned_parts = {p for p in assignment.parts if banned_ops_used(p, ops_by_part.get(p, ()))}
    failing_parts |= banned_parts
    parts: dict[str, dict] = {}
    flags: list[dict] = []
    for part, points in assignment.parts.items():
        own = [t for t in tests if t["part"] == part] or [_not_graded(part)]
        total_weight = sum(grading.weight(t["kind"]) for t in own)
        banned = banned_ops_used(part, ops_by_part.get(part, ()))
        if banned:
            flags.append({"part": part, "kind": "banned_op",
                          "message": f"`{part}` usó la implementación de torch ({', '.join(banned)})."})
        main_failed = any(t["kind"] == MAIN_KIND and not t["passed"] for t in own)
        entries = []
        for test in own:
            max_points = round(points * grading.weight(test["kind"]) / total_weight, DIGITS)
            passed, message = test["passed"], test["message"]
            if banned:
                passed = False
                message = (_banned_message(part, banned) + _through_note(test.get("builds_on", ()), banned_parts)
                           + (f"\n{message}" if message else ""))
            elif passed and main_failed and test["kind"] in CONDITIONAL_KINDS:
                passed, message = False, CONDITIONAL_MESSAGE
            elif not passed or message:  # a passing test's note (it matched using your own failing part)
                message += _builds_on_note(test.get("builds_on", ()), failing_parts)
            entries.append({"name": test["name"], "passed": passed, "message": message, "kind": test["kind"],
                            "points": max_points if passed else 0.0, "max_points": max_points})
        # From the weights, not the rounded per-test points: all passed is exactly the part's points.
        passed_weight = sum(grading.weight(e["kind"]) for e in entries if e["passed"])
        score = round(points * passed_weight / total_weight, DIGITS) if total_weight else 0.0
        parts[part] = {"score": score, "max_score": float(points),
                       "tests": entries}
    return parts, flags


def _not_graded(part: str) -> dict:
    """The entry of a part none of whose tests ran (the time ran out, or its suite has none)."""
    return {"name": "sin calificar", "part": part, "kind": "not_graded", "builds_on": [], "passed": False,
            "message": f"`{part}` no alcanzó a calificarse (se agotó el tiempo total de corrección)."}


def _banned_message(part: str, ops: list[str]) -> str:
    return (f"Parte anulada: `{part}` llegó a la implementación de torch de la operación que se pide "
            f"({', '.join(ops)}), directamente o por un alias (F.conv2d, torch.conv2d, nn.Conv2d, "
            "F.max_pool2d...). Escríbela con operaciones de tensores (F.pad, F.unfold, sumas, productos).")


def _through_note(builds_on, banned_parts: set[str]) -> str:
    through = [p for p in builds_on if p in banned_parts]
    if not through:
        return ""
    return (f" Probablemente a través de {', '.join(f'`{p}`' for p in through)}, que también la usa: "
            "corrígela y esta parte recupera sus puntos.")


def _builds_on_note(builds_on, failing_parts: set[str]) -> str:
    failing = [p for p in builds_on if p in failing_parts]
    if not failing:
        return ""
    names = ", ".join(f"`{p}`" for p in failing)
    return (f"\nNota: esta parte se apoya (o puede apoyarse) en {names}, que también falla; si la usas, "
            "corrígela primero: el error puede venir de ahí.")
