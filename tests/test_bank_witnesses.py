"""Every bug of the bank is PROVEN wrong, every alternative proven right, on the entry's own witness.

In-process and fast: the bank is ours (trusted), so each overlaid source is exec'd here, its
witness (declared in the entry's header) is evaluated against it and against the reference, and
the outputs are compared in float64. A bug must differ (a different value or shape, an error
the reference does not raise, or a state_dict the reference's cannot be loaded into); an
alternative must match. This is what makes "the grader caught the bug" mean something in
tests/test_quality_gate_*.py: a bug the grader missed is a grader bug, not a bank bug.
Example: ``.venv/bin/pytest tests/test_bank_witnesses.py -q``.
"""
from __future__ import annotations

import copy
from collections import Counter
from functools import lru_cache

import pytest
import torch
import torch.nn as nn

from tests.submissions.bank import Entry, assignments, load_bank, reference_source

WITNESS_SEED = 1234
ATOL, RTOL = 1e-9, 1e-7
# The minimum: six realistic bugs for every part of course.yaml.
MIN_BUGS_PER_PART = 6

BUGS = load_bank("bug")
ALTERNATIVES = load_bank("alternative")


def _exec(source: str, name: str) -> dict:
    namespace: dict = {"__name__": f"bank_{name.replace('/', '_')}"}
    exec(compile(source, name, "exec"), namespace)  # trusted: our own bank
    return namespace


@lru_cache(maxsize=None)
def _reference_namespace(assignment: str) -> dict:
    return _exec(reference_source(assignment), f"{assignment}/reference")


def _randn_factory():
    generator = torch.Generator().manual_seed(WITNESS_SEED)

    def randn(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float64)

    return randn


def _evaluate(expression: str, namespace: dict):
    scope = dict(namespace, randn=_randn_factory(), torch=torch, meta_layout=meta_layout, seeded_output=seeded_output,
                 features_of=features_of)
    return eval(expression, scope)  # the witness line of our own entry


def meta_layout(factory, **init) -> torch.Tensor:
    """Every parameter's name (its characters' codes) and shape, flattened, of ``factory(**init)``
    built on the meta device: a witness for networks too big to build twice per entry (VGG16)."""
    with torch.device("meta"):
        module = factory(**init)
    return torch.tensor([v for name, p in module.state_dict().items() for v in (*name.encode(), *p.shape)],
                        dtype=torch.float64)


def seeded_output(factory, x: torch.Tensor, train: bool = False, **init) -> torch.Tensor:
    """``factory(**init)`` built from a fixed seed, in eval (or train) mode, on ``x`` (float32): for
    big networks whose weights are too many to load into a second copy. Equal seeds give equal
    weights (and dropout masks) when the layers are created in the same order (the statement's)."""
    torch.manual_seed(WITNESS_SEED)
    module = factory(**init).train(train)
    with torch.no_grad():
        out = module(x.float())
    del module
    return out


def features_of(factory, **init) -> nn.Module:
    """``factory(**init).features`` alone, with fresh weights (the classifier is never allocated)."""
    with torch.device("meta"):
        features = factory(**init).features
    features = features.to_empty(device="cpu")
    for layer in features.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    return features


def _randomize(module: nn.Module) -> None:
    """Deterministic non-trivial BatchNorm weights and statistics (the defaults would hide bugs).

    Conv and linear weights are random already (torch's default init, seeded); BatchNorm starts
    as the identity (mean 0, variance 1, scale 1, shift 0) in eval mode, which hides a missing
    or misplaced BatchNorm.
    """
    generator = torch.Generator().manual_seed(WITNESS_SEED)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.modules.batchnorm._BatchNorm):
                for name in ("weight", "bias", "running_mean", "running_var"):
                    tensor = getattr(layer, name)
                    values = torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype)
                    tensor.copy_(values + 0.5 if name in ("weight", "running_var") else values - 0.5)


def _differs(expected, got) -> str | None:
    """Why two outputs differ, or None when they agree in shape and value (plain values such as
    conv_output_size's ints and tuples: in type and value, so 28.0 is not 28)."""
    if not isinstance(expected, torch.Tensor):
        return None if repr(got) == repr(expected) else f"{got!r} != {expected!r}"
    if not isinstance(got, torch.Tensor):
        return f"returned {type(got).__name__}, not a tensor"
    if tuple(got.shape) != tuple(expected.shape):
        return f"shape {tuple(got.shape)} != {tuple(expected.shape)}"
    if got.dtype != expected.dtype:  # torch keeps the input's dtype (float32 in, float32 out)
        return f"dtype {got.dtype} != {expected.dtype}"
    if not torch.allclose(got.double(), expected.double(), atol=ATOL, rtol=RTOL):
        return f"max error {(got.double() - expected.double()).abs().max().item():.3g}"
    return None


def _module_difference(reference: nn.Module, candidate: nn.Module, inputs: torch.Tensor) -> str | None:
    reference, candidate = reference.double(), candidate.double()
    _randomize(reference)
    try:
        candidate.load_state_dict(reference.state_dict(), strict=True)
    except RuntimeError as exc:
        return f"state_dict does not load: {str(exc).splitlines()[0]}"
    for train in (False, True):  # eval uses running statistics, train the batch's (and updates them)
        torch.manual_seed(WITNESS_SEED)  # the same dropout masks for both (GoogLeNet)
        expected = reference.train(train)(inputs.clone())
        try:
            torch.manual_seed(WITNESS_SEED)
            got = candidate.train(train)(inputs.clone())
        except Exception as exc:  # noqa: BLE001 - a bug may raise anything
            return f"{'train' if train else 'eval'}: {type(exc).__name__}: {exc}"
        why = _differs(expected, got)
        if why:
            return f"{'train' if train else 'eval'}: {why}"
    for (name, expected), got in zip(reference.state_dict().items(), candidate.state_dict().values()):
        why = _differs(expected, got) if expected.is_floating_point() else None
        if why:
            return f"after a train step, {name}: {why}"
    return None


def witness_difference(entry: Entry) -> str | None:
    """Run the entry's witness on the reference and on the entry; why they differ, or None."""
    reference_ns = _reference_namespace(entry.assignment)
    candidate_ns = _exec(entry.source(), entry.name)
    torch.manual_seed(WITNESS_SEED)
    expected = _evaluate(entry.witness, reference_ns)
    try:
        got = _evaluate(entry.witness, candidate_ns)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    if isinstance(expected, nn.Module):
        assert entry.witness_input, f"{entry.path}: a module witness needs 'input:'"
        inputs = _evaluate(entry.witness_input, {})
        return _module_difference(copy.deepcopy(expected), got, inputs)
    return _differs(expected, got)


@pytest.mark.parametrize("entry", BUGS, ids=lambda e: e.name)
def test_bug_differs_from_reference_on_its_witness(entry: Entry):
    assert witness_difference(entry) is not None, f"{entry.name}: agrees with the reference on {entry.witness}"


@pytest.mark.parametrize("entry", ALTERNATIVES, ids=lambda e: e.name)
def test_alternative_equals_reference_on_its_witness(entry: Entry):
    why = witness_difference(entry)
    assert why is None, f"{entry.name}: {why}"


@pytest.mark.parametrize("entry", [e for e in load_bank("attack") if e.witness], ids=lambda e: e.name)
def test_delegating_attack_is_otherwise_correct(entry: Entry):
    """A delegation to torch's own op computes the right answer: its 0 is the ban's doing alone."""
    why = witness_difference(entry)
    assert why is None, f"{entry.name}: {why}"


def test_every_part_has_enough_bugs_and_every_entry_names_a_real_part():
    import yaml

    from tests.submissions.bank import REPO_ROOT

    course = yaml.safe_load((REPO_ROOT / "course.yaml").read_text(encoding="utf-8"))
    parts = {a["name"]: set(a["parts"]) for a in course["assignments"]}
    for entry in load_bank():
        assert entry.part == "*" or entry.part in parts[entry.assignment], f"{entry.name}: unknown part {entry.part}"
    counts = Counter((e.assignment, e.part) for e in BUGS)
    short = {f"{a}.{p}": counts[(a, p)] for a in assignments() for p in parts[a] if counts[(a, p)] < MIN_BUGS_PER_PART}
    assert not short, f"parts with fewer than {MIN_BUGS_PER_PART} bugs: {short}"


@pytest.mark.parametrize("entry", BUGS + ALTERNATIVES, ids=lambda e: e.name)
def test_overlay_redefines_only_its_part(entry: Entry):
    """What makes "a bug loses points only on its part" hold by construction: the overlay binds
    its part and private helpers (``_name``) only; every other part is the reference's code."""
    bound = entry.bound_names()
    assert entry.part in bound, f"{entry.name} does not define {entry.part}"
    others = sorted(n for n in bound - {entry.part} if not n.startswith("_"))
    assert not others, f"{entry.name} also binds {others}"
