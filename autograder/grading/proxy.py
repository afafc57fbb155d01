"""The suites' view of the submission: a proxy over the sandboxed worker (the ``student`` fixture).

It turns the worker's outcomes into grading outcomes: a student's exception, a timeout or a crash
becomes a :class:`~autograder.grading.harness.GradingFailure` with a Spanish message; the aten ops
of every call are recorded for the part under test (to zero a part that reached torch's own
op). Nothing from the submission is imported here: values come back as numpy arrays. Example::

    got = student.run("max_pool2d", case)           # a CallResult: .value (ndarray), .info, .ops
    net = student.build("LeNet", num_classes=10)    # a StudentModule over a worker-side handle
    logits = net.forward(torch.randn(2, 1, 28, 28, dtype=torch.float64))
"""
from __future__ import annotations

import importlib
from typing import Protocol

import torch

from autograder.grading.failures import GradingFailure, StudentRaised, compose, describing, fail
from autograder.grading.failure_text import student_error_text
from autograder.i18n import _


def _client():
    # Imported when first used so that suites (and this module) import before the sandbox exists.
    return importlib.import_module("autograder.sandbox.client")


class WorkerLink(Protocol):
    """What the proxy needs from the grading plugin (autograder/grading/plugin.py)."""

    call_timeout: float
    current_part: str | None                   # the part of the test running now
    current_test: str | None                   # that test's name
    gave_up: dict                              # part -> (test, message, "timeout"|"crash") of its first one

    def worker(self): ...                      # the started SandboxWorker of this submission
    def pieces_worker(self): ...               # a second one, for StudentCode.isolated()
    def record_ops(self, ops) -> None: ...     # attribute a call's aten ops to the part under test
    def record_refusal(self, text: str, ops=()) -> None: ...  # what the worker's lockdown refused in a call
    def check_budget(self) -> None: ...        # fail once the whole-submission time is spent


def _wire(value):
    """Arguments as the wire protocol takes them: torch dtypes become the client's dtype marker."""
    if isinstance(value, torch.dtype):
        return _client().dtype(str(value).removeprefix("torch."))
    if isinstance(value, StudentModule):
        return value.handle
    if isinstance(value, (tuple, list)):
        return type(value)(_wire(v) for v in value)
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    return value


class StudentCode:
    """The submission, as the suites see it (the ``student`` fixture)."""

    def __init__(self, link: WorkerLink):
        self._link = link

    def isolated(self) -> "StudentCode":
        """The same submission in a second, separate worker (same limits and ban), where none of the
        calls made through ``self`` ran: a part called from there cannot replay what it saw here."""
        return StudentCode(_PiecesLink(self._link))

    def call(self, name: str, *args, grad_output=None, grad_wrt: tuple = (), **kwargs):
        """Call the student's top-level ``name(*args, **kwargs)``; return the CallResult."""
        return self._call(name, args, kwargs, grad_output=grad_output, grad_wrt=grad_wrt)

    def _call(self, name: str, args: tuple, kwargs: dict, *, grad_output=None, grad_wrt: tuple = (),
              weights_follow: str | None = None):
        """:meth:`call` with the worker's own options apart from the student's keyword arguments."""
        return self._do(lambda w: w.call(name, _wire(args), _wire(kwargs), grad_output=grad_output,
                                         grad_wrt=tuple(grad_wrt), timeout=self._link.call_timeout,
                                         weights_follow=weights_follow),
                        f"`{name}`")

    def run(self, name: str, case, *, grad_output=None, grad_wrt: tuple = ()):
        """``call(name, *case.args(), **case.kwargs())``; failures start with ``case.describe()``."""
        with describing(case):
            return self.call(name, *case.args(), grad_output=grad_output, grad_wrt=grad_wrt, **case.kwargs())

    def raises(self, name: str, *args, **kwargs) -> bool:
        """True when the student's ``name(*args, **kwargs)`` raised an exception (any)."""
        return self.raised(name, *args, **kwargs) is not None

    def raised(self, name: str, *args, **kwargs) -> str | None:
        """The name of the exception the student's ``name(*args, **kwargs)`` raised, or None."""
        try:
            self.call(name, *args, **kwargs)
        except StudentRaised as exc:
            return exc.exc_type
        return None

    def build(self, name: str, *args, case=None, weights_follow: torch.dtype | None = None,
              **kwargs) -> "StudentModule":
        """Instantiate the student's class ``name(*args, **kwargs)`` inside the worker.

        ``weights_follow``: the dtype every weight of the module will be loaded in right after
        (``load_reference_state``); the worker then builds it in that dtype without drawing the
        initial weights nothing reads (a ResNet-18's 11 M).
        """
        dtype = None if weights_follow is None else str(weights_follow).removeprefix("torch.")
        with describing(case):
            result = self._call(name, args, kwargs, weights_follow=dtype)
        client = _client()
        if not isinstance(result.value, client.Handle):
            with describing(case):
                fail(_("`{name}(...)` should have created an nn.Module; got {type}.", name=name,
                       type=result.info.get("type", type(result.value).__name__)))
        return StudentModule(self, result.value, name)

    def _do(self, action, what: str):
        client = _client()
        self._link.check_budget()
        earlier = self._link.gave_up.get(self._link.current_part)
        if earlier is not None:
            # One timeout or crash per part: retrying (Hypothesis shrinking, the part's other tests) would
            # spend the whole submission's time on one hang.
            test, message, _kind = earlier
            if test != self._link.current_test:
                message = _("Not run: in an earlier test of this part ({test}):\n{message}", test=test,
                            message=message)
            raise GradingFailure(message)
        try:
            result = action(self._link.worker())
        except client.StudentError as exc:
            self._link.record_refusal(f"{exc.message}\n{exc.traceback_tail}", getattr(exc, "refused", ()))
            raise StudentRaised(compose(student_error_text(exc.exc_type, exc.message, exc.traceback_tail)),
                                str(exc.exc_type), exc.message) from None
        except client.WorkerTimeout:
            message = compose(_("{what} exceeded the limit of {limit:g} s per call (an infinite loop, or "
                                "too many Python loops? Vectorize with tensor operations).", what=what,
                                limit=self._link.call_timeout))
            self._link.gave_up[self._link.current_part] = (self._link.current_test, message, "timeout")
            raise GradingFailure(message) from None
        except client.WorkerCrashed as exc:
            message = compose(_("The process that runs your code ended during {what}: {reason}", what=what,
                                reason=exc.reason))
            self._link.gave_up[self._link.current_part] = (self._link.current_test, message, "crash")
            raise GradingFailure(message) from None
        # describe() answers a plain dict: no ops to record.
        self._link.record_ops(getattr(result, "ops", ()))
        if getattr(result, "refused", ()):  # refused in a thread whose error the code swallowed
            self._link.record_refusal("", result.refused)
        return result


class _PiecesLink:
    """A WorkerLink that hands out the submission's second worker; everything else is the link's."""

    def __init__(self, link: WorkerLink):
        self._link = link

    def worker(self):
        return self._link.pieces_worker()

    def __getattr__(self, name):
        return getattr(self._link, name)


class StudentModule:
    """A student's nn.Module living in the worker; methods mirror torch's."""

    def __init__(self, code: StudentCode, handle, class_name: str):
        self._code = code
        self.handle = handle
        self.class_name = class_name

    def _method(self, method: str, *args, grad_output=None, grad_wrt: tuple = (), **kwargs):
        link = self._code._link
        return self._code._do(
            lambda w: w.method(self.handle, method, _wire(args), _wire(kwargs), grad_output=grad_output,
                               grad_wrt=tuple(grad_wrt), timeout=link.call_timeout),
            f"`{self.class_name}.{method}`")

    def forward(self, *args, grad_output=None, grad_wrt: tuple = ()):
        """The module's output (a CallResult); ``grad_wrt`` may include "params"."""
        return self._method("forward", *args, grad_output=grad_output, grad_wrt=grad_wrt)

    __call__ = forward

    def train(self) -> "StudentModule":
        self._method("train")
        return self

    def eval(self) -> "StudentModule":
        self._method("eval")
        return self

    def double(self) -> "StudentModule":
        self._method("double")
        return self

    def float(self) -> "StudentModule":
        self._method("float")
        return self

    def to(self, device: str) -> "StudentModule":
        self._method("to", device)
        return self

    def state_dict(self) -> dict:
        """{name: ndarray}, buffers included."""
        return dict(self._method("state_dict").value)

    def submodule(self, path: str) -> "StudentModule":
        """The child module at ``path`` (``"classifier.0"``), as a module of its own in the worker.

        For networks too big to send weights for (VGG16): their pieces are checked one by one.
        """
        result = self._method("get_submodule", path)
        if not isinstance(result.value, _client().Handle):
            fail(_("`{name}.{path}` should have been an nn.Module; got {type}.", name=self.class_name, path=path,
                   type=result.info.get("type", "?")))
        return StudentModule(self._code, result.value, f"{self.class_name}.{path}")

    def release(self) -> None:
        """Drop the module's weights in the worker (moved to the "meta" device), which keeps every
        handle it ever gave out alive: after a 138M-parameter VGG16, memory for the next one."""
        self._method("to", "meta")

    def describe(self) -> dict:
        """{"type", "parameters": {name: shape}, "buffers": {name: shape}, "modules": {name: type}}."""
        return self._code._do(lambda w: w.describe(self.handle), f"`{self.class_name}`")

    def load_reference_state(self, reference: torch.nn.Module, *, digests: dict[str, str] | None = None) -> None:
        """Load the reference module's weights by name; fail listing every name/shape that differs.

        ``digests``: {name: digest of its values} for large tensors other loads send again (the
        seeded weights of a ResNet-18): the worker keeps them after the first load, and later
        loads send the digest alone (sandbox.client.Kept).
        """
        expected = {name: tuple(t.shape) for name, t in reference.state_dict().items()}
        info = self.describe()
        found = {name: tuple(shape) for name, shape in {**info.get("parameters", {}), **info.get("buffers", {})}.items()}
        missing = [n for n in expected if n not in found]
        unexpected = [n for n in found if n not in expected]
        reshaped = [_("{name}: {expected} was expected, it has {got}", name=n, expected=expected[n], got=found[n])
                    for n in expected
                    if n in found and found[n] != expected[n]]
        if missing or unexpected or reshaped:
            lines = [_("The parameters of `{name}` do not match the specification "
                       "(names and shapes, as in the assignment).", name=self.class_name)]
            if missing:
                lines.append(_("Missing: ") + ", ".join(missing[:12]) + (" …" if len(missing) > 12 else ""))
            if unexpected:
                lines.append(_("Extra: ") + ", ".join(unexpected[:12]) + (" …" if len(unexpected) > 12 else ""))
            if reshaped:
                lines.append(_("With another shape: ") + "; ".join(reshaped[:8]) + (" …" if len(reshaped) > 8 else ""))
            lines.append(_("Hint: use exactly the attribute names of the assignment (e.g. conv1, bn1, downsample)."))
            fail("\n".join(lines))
        kept = _client().Kept
        digests = digests or {}
        state = {name: kept(t.detach().cpu(), digests[name]) if name in digests else t.detach().cpu()
                 for name, t in reference.state_dict().items()}
        self._method("load_state_dict", state)
