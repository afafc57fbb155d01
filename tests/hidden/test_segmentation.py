"""Hidden suite of the assignment "segmentation": center_crop, DoubleConv, UNet.

SECRET: run only through the grader (``autograder grade SUBMISSION --assignment segmentation``).
center_crop is graded like a function part (float64 and float32 values in any layout, exact
shape and dtype, input unchanged, gradients, the invalid size its docstring lists). DoubleConv and
UNet like modules: names and shapes ("structure"), the reference's output with its weights loaded
by name ("matches_reference"), gradients; UNet also reproduces the paper's geometry (572 -> 388
with padding 0) and builds on DoubleConv and center_crop: a bug there costs UNet nothing (each
UNet check also accepts the reference U-Net built from the student's own pieces).
"""
from __future__ import annotations

import torch
from hypothesis import given

from autograder import strategies as st
from autograder.grading.harness import (check_close, check_grads, check_input_unchanged, check_raises, describing,
                                        part, reference_call, scaled_examples, with_examples)
from solutions import segmentation as ref
from autograder.i18n import N_
from autograder.public.part_hints import DOUBLE_CONV_HINT, UNET_HINT
from tests.hidden.module_checks import (backward_through, check_forward, check_module_gradients, check_module_input_unchanged,
                                        graded_with_own_parts, loaded_student_module, reference_module)

CROP_HINT = N_("the crop starts at top = (H − h) // 2 and left = (W − w) // 2 and measures exactly h x w.")
CROP_SWAPPED = N_("Did you swap height and width? size = (h, w): h crops the H axis (dim -2) and w the W axis (dim -1).")
CROP_CORNER = N_("You cropped the top left corner: the crop must be centered.")
UNET_DEPENDS = (N_("UNet uses your DoubleConv and your center_crop: if either fails, fix it first."))


def _crop_regressions():
    """Odd and even margins on each axis, a pair and an int size, a no-op crop."""
    return [
        st.CenterCropCase(st.random_tensor((2, 3, 7, 10), 1), (4, 5)),
        st.CenterCropCase(st.random_tensor((1, 2, 9, 6), 2), 3),
        st.CenterCropCase(st.random_tensor((2, 1, 5, 8), 3), (5, 8)),
    ]


def _double_conv_regressions():
    return [
        st.ModuleCase("DoubleConv", {"in_channels": 2, "out_channels": 3, "padding": 1}, st.random_tensor((2, 2, 6, 9), 4)),
        st.ModuleCase("DoubleConv", {"in_channels": 3, "out_channels": 2, "padding": 0}, st.random_tensor((2, 3, 9, 7), 5)),
        # As torch users pass them: a float32 module and a transposed batch of one, one channel.
        st.ModuleCase("DoubleConv", {"in_channels": 1, "out_channels": 2, "padding": 1},
                      st.with_layout(st.random_tensor((1, 1, 5, 4), 11, dtype=torch.float32), "transposed")),
    ]


def _unet_regressions():
    """Both paddings, depth 2 and 3, non-square inputs."""
    return [
        st.ModuleCase("UNet", {"in_channels": 1, "num_classes": 2, "base_channels": 4, "depth": 3, "padding": 1},
                      st.random_tensor((2, 1, 16, 24), 6)),
        st.ModuleCase("UNet", {"in_channels": 2, "num_classes": 3, "base_channels": 4, "depth": 2, "padding": 0},
                      st.random_tensor((1, 2, st.unet_valid_side(2, 0, 4), st.unet_valid_side(2, 0, 5)), 7)),
        st.ModuleCase("UNet", {"in_channels": 2, "num_classes": 2, "base_channels": 2, "depth": 1, "padding": 1},
                      st.with_layout(st.random_tensor((1, 2, 6, 4), 12, dtype=torch.float32), "channels_last")),
    ]


# --- center_crop ------------------------------------------------------------------------------------

def _crop_hints(case):
    h, w = (case.size, case.size) if isinstance(case.size, int) else case.size
    return [(CROP_SWAPPED, lambda: ref.center_crop(case.x, (w, h))),
            (CROP_CORNER, lambda: case.x[..., :h, :w])]


@part("center_crop")
@given(case=st.center_crop_cases())
@with_examples(_crop_regressions())
def test_center_crop_matches_reference(student, device, case):
    got = student.run("center_crop", case)
    check_close(got, reference_call(ref.center_crop, case, device), case=case, hints=_crop_hints(case),
                hint=CROP_HINT)


@part("center_crop", kind="input_unchanged")
def test_center_crop_leaves_input_unchanged(student):
    for case in _crop_regressions():
        check_input_unchanged(student, "center_crop", case)


@part("center_crop", kind="gradients")
def test_center_crop_gradients(student, device):
    for case in _crop_regressions():
        x = case.x.detach().clone().to(device).requires_grad_(True)  # a copy: case.x is reused
        out = ref.center_crop(x, case.size)
        grad_output = st.random_tensor(out.shape, seed=23, dtype=out.dtype)
        out.backward(grad_output.to(device))
        with describing(case):
            got = backward_through(lambda: student.call("center_crop", case.x, case.size, grad_output=grad_output,
                                                        grad_wrt=(0,)), tuple(out.shape))
        check_grads(got, {0: x.grad}, case=case, names={0: "x"})


@part("center_crop", kind="invalid_arguments")
def test_center_crop_rejects_a_size_larger_than_the_input(student):
    for case in st.invalid_cases("center_crop"):
        with describing(case):
            check_raises(student, "center_crop", *case.args(), why=case.why, raises=case.raises, **case.kwargs())


# --- DoubleConv -------------------------------------------------------------------------------------

@part("DoubleConv", kind="structure")
@scaled_examples(0.3)
@given(case=st.double_conv_cases())
@with_examples(_double_conv_regressions())
def test_double_conv_structure(student, device, case):
    loaded_student_module(student, case, reference_module(ref.DoubleConv, case, device), device)


@part("DoubleConv")
@given(case=st.double_conv_cases())
@with_examples(_double_conv_regressions())
def test_double_conv_matches_reference(student, device, case):
    reference = reference_module(ref.DoubleConv, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_forward(block, reference, case, device, mode="eval", hint=DOUBLE_CONV_HINT)


@part("DoubleConv", kind="gradients")
@scaled_examples(0.3)
@given(case=st.double_conv_cases())
@with_examples(_double_conv_regressions())
def test_double_conv_gradients(student, device, case):
    reference = reference_module(ref.DoubleConv, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_module_gradients(block, reference, case, device)


@part("DoubleConv", kind="input_unchanged")
def test_double_conv_leaves_input_unchanged(student, device):
    for case in _double_conv_regressions():
        block = loaded_student_module(student, case, reference_module(ref.DoubleConv, case, device), device)
        check_module_input_unchanged(block, case)


# --- UNet -------------------------------------------------------------------------------------------
# UNet reuses the student's DoubleConv and center_crop: each check also runs against the reference
# U-Net built from those (module_checks.graded_with_own_parts), so a bug there costs UNet nothing.

UNET_PARTS = ("DoubleConv", "center_crop")
UNET_REUSED = {"DoubleConv": "module", "center_crop": "function"}


def _graded_unet(student, device, case, check):
    graded_with_own_parts(student, case, device, cls=ref.UNet, reference_module_of=ref, reused=UNET_REUSED,
                          check=check)


@part("UNet", kind="structure", builds_on=UNET_PARTS)
@scaled_examples(0.3)
@given(case=st.unet_cases())
@with_examples(_unet_regressions())
def test_unet_structure(student, device, case):
    _graded_unet(student, device, case, lambda net, reference: None)


@part("UNet", builds_on=UNET_PARTS)
@scaled_examples(0.6)
@given(case=st.unet_cases())
@with_examples(_unet_regressions())
def test_unet_matches_reference(student, device, case):
    _graded_unet(student, device, case,
                 lambda net, reference: check_forward(net, reference, case, device, mode="eval", hint=UNET_HINT))


@part("UNet", kind="examples", builds_on=UNET_PARTS)
def test_unet_reproduces_the_paper_geometry(student, device):
    """Ronneberger et al. (2015): padding 0, depth 4, a 572x572 input gives a 388x388 map."""
    case = st.ModuleCase("UNet", {"in_channels": 1, "num_classes": 2, "base_channels": 1, "depth": 4, "padding": 0},
                         st.random_tensor((1, 1, 572, 572), 10))
    hint = (N_("with padding=0 (the paper) a 572x572 input gives a 388x388 output: "
               "each DoubleConv removes 4 pixels and the skips are cropped to the center."))
    _graded_unet(student, device, case,
                 lambda net, reference: check_forward(net, reference, case, device, mode="eval", hint=hint))


@part("UNet", kind="gradients", builds_on=UNET_PARTS)
def test_unet_gradients(student, device):
    for case in _unet_regressions():
        _graded_unet(student, device, case,
                     lambda net, reference: check_module_gradients(net, reference, case, device))


@part("UNet", kind="input_unchanged", builds_on=UNET_PARTS)
def test_unet_leaves_input_unchanged(student, device):
    case = _unet_regressions()[0]
    _graded_unet(student, device, case, lambda net, reference: check_module_input_unchanged(net, case))
