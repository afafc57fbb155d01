"""A bug costs only its own part: UNet and ResNet18 are also compared with the reference built from
the student's own pieces (tests/hidden/module_checks.graded_with_own_parts). In-process, with a
stand-in for the sandboxed student (our own bank code, trusted): the grader's end of it runs in
tests/test_quality_gate_*.py, where every DoubleConv / center_crop / ResidualBlock bug must leave
UNet / ResNet18 whole."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder import strategies as st
from autograder.grading.failures import GradingFailure, StudentRaised, take_notes
from solutions import architectures, segmentation
from tests.hidden import module_checks as mc
from tests.submissions.bank import load_bank

UNET_REUSED = {"DoubleConv": "module", "center_crop": "function"}
UNET_CASE = st.ModuleCase("UNet", {"in_channels": 1, "num_classes": 2, "base_channels": 4, "depth": 2, "padding": 1},
                          st.random_tensor((2, 1, 8, 12), 6))
#: padding 0: the skips are really cropped (with padding 1 the crop keeps everything)
UNET_CASE_CROPPED = st.ModuleCase("UNet", {"in_channels": 1, "num_classes": 2, "base_channels": 2, "depth": 1,
                                           "padding": 0}, st.random_tensor((1, 1, 20, 22), 7))


def _np(value):
    return value.detach().cpu().numpy().copy() if isinstance(value, torch.Tensor) else value


class _Result:
    def __init__(self, value, grads=None):
        self.value, self.grads, self.info, self.ops = value, grads or {}, {}, ()


class _Module:
    """What StudentModule offers, over a module living here instead of in the worker."""

    def __init__(self, module, name):
        self.module, self.class_name = module, name

    def forward(self, x, grad_output=None, grad_wrt=()):
        x = x.detach().clone().requires_grad_(0 in grad_wrt)
        params = dict(self.module.named_parameters())
        for parameter in params.values():
            parameter.grad = None
        with torch.enable_grad():  # the worker is its own process; here we may be inside a backward
            try:
                out = self.module(x)
            except Exception as exc:  # noqa: BLE001 - as the worker reports it
                raise StudentRaised(str(exc), type(exc).__name__, str(exc)) from None
            grads = {}
            if grad_output is not None:
                out.backward(grad_output.to(out.dtype))
                grads = {0: _np(x.grad)} if 0 in grad_wrt else {}
                grads.update({f"param:{n}": None if p.grad is None else _np(p.grad) for n, p in params.items()})
        return _Result(_np(out), grads)

    def train(self):
        self.module.train()
        return self

    def eval(self):
        self.module.eval()
        return self

    def double(self):
        self.module.double()
        return self

    def float(self):
        self.module.float()
        return self

    def state_dict(self):
        return {k: _np(v) for k, v in self.module.state_dict().items()}

    def describe(self):
        return {"type": type(self.module).__name__, "modules": {},
                "parameters": {n: tuple(p.shape) for n, p in self.module.named_parameters()},
                "buffers": {n: tuple(b.shape) for n, b in self.module.named_buffers()}}

    def load_reference_state(self, reference, *, digests=None):  # digests: only the wire's business
        try:
            self.module.load_state_dict({k: v.detach().clone() for k, v in reference.state_dict().items()})
        except RuntimeError as exc:
            raise GradingFailure(str(exc)) from None


class FakeStudent:
    """The ``student`` fixture's interface over a namespace exec'd here."""

    def __init__(self, source: str):
        self.source = source
        self.namespace = {"__name__": "fake_submission"}
        exec(compile(source, "entrega.py", "exec"), self.namespace)  # our own bank entry

    def isolated(self):
        """As the grader's: the same submission in a fresh worker (here: a fresh namespace)."""
        return FakeStudent(self.source)

    def build(self, name, *args, case=None, weights_follow=None, **kwargs):  # built as the plain build
        try:
            return _Module(self.namespace[name](*args, **kwargs), name)
        except Exception as exc:  # noqa: BLE001 - as the worker reports it
            raise StudentRaised(str(exc), type(exc).__name__, str(exc)) from None

    def call(self, name, *args, grad_output=None, grad_wrt=(), **kwargs):
        args = [a.detach().clone().requires_grad_(i in grad_wrt) if isinstance(a, torch.Tensor) else a
                for i, a in enumerate(args)]
        with torch.enable_grad():
            out = self.namespace[name](*args, **kwargs)
            if grad_output is not None:
                out.backward(grad_output.to(out.dtype))
        return _Result(_np(out), {i: _np(args[i].grad) for i in grad_wrt} if grad_output is not None else {})


def _source(name=None, assignment="segmentation"):
    entry = next((e for e in load_bank() if e.name == name), None)
    from tests.submissions.bank import reference_source
    return entry.source() if entry else reference_source(assignment)


def _grade_unet(student, check, case=UNET_CASE):
    take_notes()
    mc.graded_with_own_parts(student, case, "cpu", cls=segmentation.UNet, reference_module_of=segmentation,
                             reused=UNET_REUSED, check=check)
    return take_notes()


def _forward(case):
    return lambda net, reference: mc.check_forward(net, reference, case, "cpu", mode="eval", hint="")


def _gradients(case):
    return lambda net, reference: mc.check_module_gradients(net, reference, case, "cpu")


def test_the_reference_built_from_correct_pieces_is_the_reference():
    student = FakeStudent(_source())
    reference = mc.reference_module(segmentation.UNet, UNET_CASE, "cpu")
    composed = mc.composed_reference(student, segmentation, segmentation.UNet, UNET_CASE, "cpu", reference, UNET_REUSED)
    assert list(composed.state_dict()) == list(reference.state_dict())
    x = UNET_CASE.x.clone().requires_grad_(True)
    y = UNET_CASE.x.clone().requires_grad_(True)
    grad = st.random_tensor((2, 2, 8, 12), 4)
    composed.eval()(x).backward(grad)
    expected = reference.eval()(y)
    expected.backward(grad)
    torch.testing.assert_close(x.grad, y.grad)
    for (name, a), b in zip(composed.named_parameters(), reference.parameters()):
        torch.testing.assert_close(a.grad, b.grad, msg=name)


@pytest.mark.parametrize("bug, case", [("segmentation/bug/DoubleConv_missing_middle_relu", UNET_CASE),
                                       ("segmentation/bug/DoubleConv_with_batchnorm", UNET_CASE),
                                       ("segmentation/bug/center_crop_top_left_corner", UNET_CASE_CROPPED)])
def test_a_bug_in_a_reused_piece_leaves_unet_whole_and_says_so(bug, case):
    student = FakeStudent(_source(bug))
    reference = mc.reference_module(segmentation.UNet, case, "cpu")
    with pytest.raises(GradingFailure):  # against the reference alone, UNet fails
        _forward(case)(mc.loaded_student_module(student, case, reference, "cpu"), reference)
    for check in (_forward(case), _gradients(case)):
        notes = _grade_unet(student, check, case)
        assert notes and "conserva sus puntos" in notes[0]


@pytest.mark.parametrize("bug", ["segmentation/bug/UNet_cat_order_swapped", "segmentation/bug/UNet_skips_not_reversed"])
def test_a_bug_in_unet_itself_still_fails_with_the_reference_message(bug):
    student = FakeStudent(_source(bug))
    with pytest.raises(GradingFailure) as failure:
        _grade_unet(student, _forward(UNET_CASE))
    assert "referencia armada" not in str(failure.value)


CHEAT = '''
class DoubleConv(nn.Module):
    def __init__(self, in_channels, out_channels, padding=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=padding)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=padding)

    def forward(self, x):
        raise RuntimeError("roto a propósito")


class UNet(UNet):
    def forward(self, x):
        return self.down[0](x)  # fails "the same way" as the reference built from this DoubleConv
'''


def test_a_composite_that_only_calls_a_raising_piece_earns_nothing():
    student = FakeStudent(_source() + CHEAT)
    with pytest.raises(GradingFailure):
        _grade_unet(student, _forward(UNET_CASE))


def test_a_residual_block_bug_leaves_resnet18_whole():
    case = st.ModuleCase("ResNet18", {"num_classes": 3, "in_channels": 2}, st.random_tensor((2, 2, 20, 17), 8))
    student = FakeStudent(_source("architectures/bug/ResidualBlock_relu_before_addition", "architectures"))
    take_notes()
    mc.graded_with_own_parts(student, case, "cpu", cls=architectures.ResNet18, reference_module_of=architectures,
                             reused={"ResidualBlock": "module"},
                             check=lambda net, ref: mc.check_forward(net, ref, case, "cpu", mode="train", hint=""))
    assert take_notes()


#: A UNet without skip connections (zeros where the cropped skip goes) whose DoubleConv records
#: what it returns while the student's UNet runs, and replays it when called from anywhere else:
#: in the same worker, the reference built from "its own pieces" would then reproduce the wrong UNet.
REPLAY_CHEAT = '''
_TAPE = []
_INSIDE = []


class DoubleConv(DoubleConv):
    def forward(self, x):
        if _INSIDE:
            out = super().forward(x)
            _TAPE.append(out.detach().clone())
            return out
        if _TAPE:
            return _TAPE.pop(0)
        return super().forward(x)


class UNet(UNet):
    def forward(self, x):
        _TAPE.clear()
        _INSIDE.append(True)
        try:
            skips = []
            for level, block in enumerate(self.down):
                if level > 0:
                    x = self.pool(x)
                x = block(x)
                skips.append(x)
            skips.pop()
            for up, up_conv in zip(self.up, self.up_conv):
                x = up(x)
                skip = torch.zeros_like(center_crop(skips.pop(), x.shape[-2:]))
                x = up_conv(torch.cat([skip, x], dim=1))
            return self.head(x)
        finally:
            _INSIDE.clear()
'''


class _SameWorkerStudent(FakeStudent):
    """The pieces in the same worker as the composite (what the grader must not do)."""

    def isolated(self):
        return self


def test_a_piece_cannot_replay_what_it_saw_while_the_composite_ran():
    # In the same worker the replay works: the check passes for a UNet without skips...
    _grade_unet(_SameWorkerStudent(_source() + REPLAY_CHEAT), _forward(UNET_CASE))
    # ...in the separate worker the grader uses, the pieces saw nothing to replay: UNet fails.
    with pytest.raises(GradingFailure):
        _grade_unet(FakeStudent(_source() + REPLAY_CHEAT), _forward(UNET_CASE))
