"""The API the grading suites are written with (hidden suites in tests/hidden/, public ones in
autograder/public/suites/).

A suite is ordinary pytest + Hypothesis. Each test says which part it grades and what kind of
check it is (``@part``); the kind decides its share of the part's points (course.yaml
``grading.test_weights``). The fixtures ``student`` (a :class:`StudentCode`, the proxy over the
sandboxed worker that runs the submission) and ``device`` ("cpu" or "cuda") come from the grading
plugin (autograder/grading/plugin.py); suites never import anything from the submission. A
failing check raises :class:`GradingFailure` whose text IS the student's feedback: the plugin
reports that text and nothing else (no pytest traceback, no test source), prefixed by the part.

Example — a function part::

    from hypothesis import example, given
    from autograder import strategies as st
    from autograder.grading.harness import check_close, check_raises, part, reference_call
    from solutions import convolutions as ref

    @part("conv2d")                                   # kind="matches_reference" by default
    @given(case=st.conv2d_cases())
    def test_conv2d_matches_reference(student, device, case):
        got = student.run("conv2d", case)             # conv2d(*case.args(), **case.kwargs())
        expected = reference_call(ref.conv2d, case, device)
        check_close(got, expected, case=case,
                    hints=[("¿Volteaste el kernel? La capa convolucional calcula una correlación cruzada",
                            lambda: reference_call(ref.conv2d, case.with_flipped_kernel(), device))])

    @part("conv2d", kind="invalid_arguments")
    def test_conv2d_rejects_mismatched_channels(student):
        check_raises(student, "conv2d", torch.zeros(1, 2, 5, 5), torch.zeros(1, 3, 3, 3),
                     why="los canales de x y de weight no coinciden", raises="RuntimeError")

Example — a module part (the reference's weights are loaded by name, strictly)::

    @part("ResidualBlock", builds_on=())
    @given(case=st.residual_block_cases())
    def test_residual_block_matches_reference(student, device, case):
        torch.manual_seed(0)
        reference = ref.ResidualBlock(*case.args(), **case.kwargs()).double().to(device)
        block = student.build("ResidualBlock", *case.args(), **case.kwargs(), case=case)
        block.double()
        block.load_reference_state(reference)          # lists missing/unexpected/mis-shaped names
        for mode in ("eval", "train"):
            getattr(block, mode)(); getattr(reference, mode)()
            with describing(case, f"modo {mode}"):
                check_close(block.forward(case.x), reference(case.x.to(device)))
            check_close(block.state_dict()["bn1.running_mean"], reference.bn1.running_mean,
                        case=case, what="bn1.running_mean tras forward en modo train")

Other checks: ``check_grads(got, {0: x.grad, 1: w.grad}, names={0: "x", 1: "weight"})`` after
``student.call(..., grad_output=g, grad_wrt=(0, 1))``; ``check_input_unchanged(student, "conv2d",
case)``; ``check_equal(got, 10)`` for plain values; ``fail(message)`` for anything else. Scale a
slow test's examples with ``@scaled_examples(0.4)`` (profiles: autograder/grading/profiles.py).

``builds_on`` names the parts a part uses (e.g. ``@part("UNet", builds_on=("DoubleConv",
"center_crop"))``): when those fail too, the report says so next to this part's failures.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import numpy as np
import pytest
import torch
from hypothesis import example, settings

from autograder.grading.failures import GradingFailure, StudentRaised, describing, fail
from autograder.grading.failure_text import describe_array, describe_mismatch, student_error_text
from autograder.i18n import N_, _

#: Kinds of test named in course.yaml; any other kind weighs 1.
DEFAULT_KIND = "matches_reference"

#: Default tolerances for float64 comparisons: tight, but above the rounding of a different
#: (correct) summation order, e.g. naive loops versus im2col + matmul.
ATOL = 1e-9
RTOL = 1e-7
#: The same for float32 results (about 2**-23 relative per operation, a few hundred terms per sum).
FLOAT32_ATOL = 1e-4
FLOAT32_RTOL = 1e-4
#: Gradients sum over the whole batch and image: a little looser.
GRAD_ATOL = {"float64": 1e-8, "float32": 1e-3}
GRAD_RTOL = {"float64": 1e-6, "float32": 1e-4}


def tolerances(dtype: str, atol: float | None = None, rtol: float | None = None) -> tuple[float, float]:
    """(atol, rtol) for comparing values of ``dtype`` ("float32", "torch.float32"...): the given
    ones, else the defaults of that dtype."""
    single = str(dtype).removeprefix("torch.") in ("float32", "float16", "bfloat16")
    return (atol if atol is not None else FLOAT32_ATOL if single else ATOL,
            rtol if rtol is not None else FLOAT32_RTOL if single else RTOL)


def part(name: str, kind: str = DEFAULT_KIND, builds_on: Sequence[str] = ()):
    """Mark a test as grading part ``name`` with a check of ``kind``.

    Example: ``@part("conv_transpose2d", kind="gradients", builds_on=("conv2d",))``.
    """
    return pytest.mark.grading_part(name=name, kind=kind, builds_on=tuple(builds_on))


def scaled_examples(fraction: float):
    """A Hypothesis ``settings`` running ``fraction`` of the active profile's examples (>= 1).

    Example: ``@scaled_examples(0.25)`` above ``@given`` for a slow gradient check.
    """
    return settings(max_examples=max(1, round(settings.default.max_examples * fraction)))


def with_examples(cases):
    """Decorate a ``@given(case=...)`` test with each case as an ``@example``, in order.

    The hand-picked corners of ``autograder/strategies.py`` (``conv2d_regressions()``...) run this
    way in the hidden suites and in the public checks alike, so a bug only such a corner shows
    (padding given per axis and swapped) fails ``check()`` as it fails the grade.
    """
    def decorate(test):
        for case in reversed(list(cases)):
            test = example(case=case)(test)
        return test
    return decorate


# --- comparisons ----------------------------------------------------------------------------------

def all_close(got: np.ndarray, want: np.ndarray, *, atol: float, rtol: float) -> bool:
    """``np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True)``, answered by one
    subtraction when every difference is within a finite ``atol`` (a correct result's usual case:
    a ResNet-18's 11 M gradients in a fifth of isclose's time); anything else (a larger
    difference, a NaN, an infinity, an infinite atol or rtol) goes to np.allclose itself, so the
    answer is always np.allclose's. An atol can be infinite: check_forward_composes scales it by
    logits the student's own weights make (the red team's weights of 1e38 made inf pass for any
    number)."""
    if (got.dtype.kind == want.dtype.kind == "f" and got.shape == want.shape and got.size
            and math.isfinite(atol) and math.isfinite(rtol)):
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, or max - (-max)
            difference = np.subtract(got, want)
        np.abs(difference, out=difference)
        # In float64: a float32 comparison would round a huge atol up to inf. A NaN anywhere makes
        # the max NaN, and the test False.
        if float(difference.max()) <= atol:
            return True
    return bool(np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True))


def _as_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def check_close(got, expected, *, case=None, what: str = N_("the result"), atol: float | None = None,
                rtol: float | None = None, hint: str | None = None,
                hints: Iterable[tuple[str, Callable[[], object]]] = ()) -> None:
    """Fail unless ``got`` (a CallResult or an array) equals ``expected`` (a tensor) in shape,
    dtype, device and value (tolerances: those of ``expected``'s dtype unless given). The dtype
    is that of the bytes that came back: a float64 result for a float32 input fails, as torch
    keeps the input's dtype.

    ``hints`` are (text, alternative) pairs tried only on failure: when ``got`` matches the
    alternative (e.g. the result of a flipped kernel), that text is the hint; else ``hint``.
    Example: ``check_close(got, ref.conv2d(x, w), case=case, hint="Revisa el stride")``.
    """
    what, hint = _(what), _(hint) if hint else hint  # N_ constants of the suites, translated here
    with describing(case):
        got_array, info = _unwrap(got, what)
        want = _as_array(expected)
        want_dtype = str(expected.dtype) if isinstance(expected, torch.Tensor) else f"torch.{want.dtype}"
        # The dtype of the bytes that came back, not what the worker claims about them.
        got_dtype = f"torch.{got_array.dtype}"
        if isinstance(expected, torch.Tensor) and info.get("device") is not None:
            want_device = expected.device.type
            if str(info["device"]).split(":")[0] != want_device:
                fail(_("{what} is on device {device}, but {expected} was expected.\n"
                       "Hint: create new tensors with device=x.device (or use torch.zeros_like).",
                       what=_capital(what), device=info["device"], expected=want_device))
        if tuple(got_array.shape) != tuple(want.shape):
            fail(_("{what} has shape {got}; {expected} was expected.\n", what=_capital(what),
                   got=tuple(got_array.shape), expected=tuple(want.shape))
                 + (_("Hint: {hint}", hint=hint) if hint else _("Hint: check the output size formula ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1.")))
        if got_dtype != want_dtype:
            fail(_("{what} has dtype {got}; {expected} was expected.\n"
                   "Hint: do not convert to another type; create helper tensors with dtype=x.dtype.",
                   what=_capital(what), got=got_dtype, expected=want_dtype))
        atol, rtol = tolerances(want_dtype, atol, rtol)
        if all_close(got_array, want, atol=atol, rtol=rtol):
            return
        chosen = hint
        for text, alternative in hints:
            try:
                alt = _as_array(alternative())
            except Exception:  # a hint that cannot be computed for this input simply does not apply
                continue
            if alt.shape == got_array.shape and np.allclose(got_array, alt, atol=atol, rtol=rtol):
                chosen = _(text)
                break
        fail(_("{what} does not match what was expected.\n", what=_capital(what)) + describe_mismatch(want, got_array)
             + (_("\nHint: {hint}", hint=chosen) if chosen else ""))


def check_equal(got, expected, *, case=None, what: str = N_("the result"), hint: str | None = None) -> None:
    """Fail unless a plain value (int, str, tuple...) equals ``expected`` exactly."""
    what, hint = _(what), _(hint) if hint else hint  # N_ constants of the suites, translated here
    value = got.value if hasattr(got, "value") and hasattr(got, "ops") else got
    if value != expected:
        with describing(case):
            fail(_("{what}: {expected!r} was expected; got {value!r}.", what=_capital(what),
                   expected=expected, value=value) + (_("\nHint: {hint}", hint=hint) if hint else ""))


def check_grads(got, expected: dict, *, case=None, atol: float | None = None, rtol: float | None = None,
                names: dict | None = None, hint: str | None = None) -> None:
    """Compare ``got.grads`` with ``expected`` ({arg_index or "param:<name>": tensor}).

    ``names`` gives each index its name for messages, e.g. ``{0: "x", 1: "weight"}``.
    """
    names = names or {}
    with describing(case):
        for key, want in expected.items():
            label = _("the gradient with respect to {name}", name=names.get(key, key))
            if key not in got.grads:
                fail(_("Could not compute {what}: did the result get disconnected from the graph "
                       "(numpy, .item(), .detach(), torch.tensor(...) on computed values)?", what=label))
            kind = str(want.dtype).removeprefix("torch.")
            check_close(got.grads[key], want, what=label, atol=atol if atol is not None else GRAD_ATOL.get(kind),
                        rtol=rtol if rtol is not None else GRAD_RTOL.get(kind),
                        hint=hint or _("build the result only with torch tensor operations so "
                        "that autograd can differentiate it."))


#: What ``raises=`` accepts besides an exception's name: any exception the student's code raised
#: on purpose, never NotImplementedError (the untouched stub).
ANY_EXCEPTION = "any exception but NotImplementedError"


def check_raises(student: "StudentCode", name: str, *args, why: str, raises: str = ANY_EXCEPTION,
                 **kwargs) -> None:
    """Fail unless calling the student's ``name`` with these (invalid) arguments raises ``raises``.

    ``raises`` is what the part's docstring promises: an exception's name ("RuntimeError", the
    one torch raises; its exact type, not a subclass), or :data:`ANY_EXCEPTION`. A
    NotImplementedError never counts: the stub has not been written yet.
    Example: ``check_raises(student, "max_pool2d", x, 3, padding=2, why="padding > kernel_size // 2",
    raises="RuntimeError")``.
    """
    why = _(why)  # an N_ constant of the suites (or the strategies' case.why), translated here
    raised = student.raised(name, *args, **kwargs)
    if raised is None:
        fail(_("`{name}` should have raised {expected} ({why}), but it returned a result.\n"
               "Hint: check the arguments at the start, as torch does: {example}.", name=name,
               expected=_expected_exception(raises), why=why, example=_raise_example(raises)))
    if raised == "NotImplementedError":
        fail(_("`{name}` raised NotImplementedError: it is not implemented yet.", name=name))
    if raises != ANY_EXCEPTION and raised != raises:
        fail(_("`{name}` should have raised {raises} ({why}), but it raised {raised}.\n"
               "Hint: the assignment asks for that exception, the same one torch raises: {example}.", name=name,
               raises=raises, why=why, raised=raised, example=_raise_example(raises)))


def _expected_exception(raises: str) -> str:
    return _("an exception") if raises == ANY_EXCEPTION else raises


def _raise_example(raises: str) -> str:
    return "raise ValueError(...)" if raises == ANY_EXCEPTION else f"raise {raises}(...)"


def check_input_unchanged(student: "StudentCode", name: str, case) -> None:
    """Fail if the student's ``name`` modifies a tensor argument of ``case`` in place.

    The worker rebuilds arguments from bytes, so the trusted side cannot look at them after the
    call; instead they are sent as leaves that require grad, which torch refuses to modify in
    place ("a leaf Variable that requires grad is being used in an in-place operation").
    Example: ``check_input_unchanged(student, "max_pool2d", case)``.
    """
    positions = tuple(i for i, arg in enumerate(case.args()) if isinstance(arg, torch.Tensor))
    with describing(case):
        try:
            student.call(name, *case.args(), grad_wrt=positions, **case.kwargs())
        except StudentRaised as exc:
            if "in-place" not in str(exc) and "inplace" not in str(exc):
                raise
            fail(_("`{name}` modified its input in place (in-place).\n"
                   "Hint: do not change x: work on a copy (x.clone()) or create new tensors "
                   "(F.pad returns a new one).", name=name))


def reference_call(function: Callable, case, device: str = "cpu"):
    """Call a reference (or torch) ``function`` on ``case``'s arguments moved to ``device``."""
    return function(*to_device(case.args(), device), **to_device(case.kwargs(), device))


def to_device(value, device: str):
    """``value`` with every tensor inside (tuples, lists, dicts) moved to ``device``."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, tuple):
        return tuple(to_device(v, device) for v in value)
    if isinstance(value, list):
        return [to_device(v, device) for v in value]
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    return value


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unwrap(got, what: str) -> tuple[np.ndarray, dict]:
    """The array and info of a CallResult (or a bare array); fail if it is not a tensor."""
    if hasattr(got, "value") and hasattr(got, "info"):
        value, info = got.value, dict(got.info or {})
        if not isinstance(value, np.ndarray) or info.get("type", "torch.Tensor") != "torch.Tensor":
            fail(_("{what} should have been a torch.Tensor; got {type} ({value}).", what=_capital(what),
                   type=info.get("type", type(value).__name__),
                   value=describe_array(value) if isinstance(value, np.ndarray) else repr(value)[:80]))
        return value, info
    return _as_array(got), {}


# The proxy classes live in their own module; re-exported so suites import one place.
from autograder.grading.proxy import StudentCode, StudentModule  # noqa: E402

__all__ = [
    "GradingFailure", "StudentRaised", "part", "scaled_examples", "describing", "fail", "check_close", "check_equal",
    "check_grads", "check_raises", "ANY_EXCEPTION", "tolerances", "check_input_unchanged", "reference_call", "to_device", "StudentCode", "StudentModule",
    "student_error_text",
]
