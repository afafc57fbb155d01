"""Hidden suite of the assignment "architectures": InceptionBlock, ResidualBlock, LeNet, ResNet18.

SECRET: run only through the grader (``autograder grade SUBMISSION --assignment architectures``).
Per part: the parameter/buffer names and shapes of the statement ("structure"); with the
reference's weights loaded by name, the same float64 output in eval mode ("matches_reference")
and in train mode with the same BatchNorm running statistics afterwards ("train_mode"); the
same gradients for the input and every parameter ("gradients"); the input is not modified.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given

from autograder import strategies as st
from autograder.grading.harness import check_equal, describing, part, scaled_examples
from solutions import architectures as ref
from tests.hidden.module_checks import (check_buffers, check_forward, check_module_gradients, graded_with_own_parts,
                                        check_module_input_unchanged, loaded_student_module, parameter_count,
                                        reference_module, with_examples)

#: The published size of ResNet-18 with 1000 classes (He et al., 2015; torchvision).
RESNET18_PARAMETERS = 11_689_512

INCEPTION_HINT = ("cada rama conserva H y W (3x3 con padding 1, 5x5 con padding 2, max-pool 3x3 stride 1 "
                  "padding 1); ReLU después de cada convolución; concatena b1, b2, b3, b4 en ese orden (dim=1).")
RESIDUAL_HINT = "out = relu(bn2(conv2(relu(bn1(conv1(x))))) + atajo(x)); el stride va en conv1 y en el atajo."
LENET_HINT = ("conv → ReLU → max-pool 2x2 dos veces, aplanar (N, 16·7·7) en el orden de torch.flatten, "
              "ReLU tras fc1 y fc2, y fc3 devuelve logits (sin softmax).")
RESNET_HINT = ("revisa el tallo (conv1 7x7 stride 2, bn1, ReLU, max-pool 3x3 stride 2 padding 1), el stride 2 "
               "del primer bloque de layer2..layer4, el promedio global y fc.")
RELU_BEFORE_SUM = "¿Aplicaste ReLU antes de sumar el atajo? La ReLU final va después de la suma."
NO_FINAL_RELU = "¿Olvidaste la ReLU final, después de sumar el atajo?"
SOFTMAX_OUTPUT = "LeNet devuelve logits: no apliques softmax al final (CrossEntropyLoss ya lo incluye)."


def _residual_hints(block, x):
    """Outputs of the classic ResidualBlock mistakes, computed from the reference's own layers."""
    def parts():
        out = block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x)))))
        shortcut = x if block.downsample is None else block.downsample(x)
        return out, shortcut

    def relu_before_sum():
        out, shortcut = parts()
        return F.relu(out) + shortcut

    def no_final_relu():
        out, shortcut = parts()
        return out + shortcut

    return [(RELU_BEFORE_SUM, relu_before_sum), (NO_FINAL_RELU, no_final_relu)]


def _residual_regressions():
    """Both shortcut rules: identity (same channels, stride 1) and downsample (stride 2, new channels)."""
    return [
        st.ModuleCase("ResidualBlock", {"in_channels": 3, "out_channels": 3, "stride": 1},
                      st.random_tensor((2, 3, 7, 5), 1)),
        st.ModuleCase("ResidualBlock", {"in_channels": 2, "out_channels": 4, "stride": 2},
                      st.random_tensor((2, 2, 7, 6), 2)),
        st.ModuleCase("ResidualBlock", {"in_channels": 3, "out_channels": 5, "stride": 1},
                      st.random_tensor((1, 3, 4, 6), 3)),
    ]


def _inception_regressions():
    return [st.ModuleCase("InceptionBlock", {"in_channels": 3, "c1": 2, "c2": (3, 4), "c3": (1, 2), "c4": 3},
                          st.random_tensor((2, 3, 7, 5), 4))]


def _lenet_regressions():
    return [st.ModuleCase("LeNet", {"num_classes": 10}, st.random_tensor((2, 1, 28, 28), 5))]


def _resnet_regressions():
    return [st.ModuleCase("ResNet18", {"num_classes": 5, "in_channels": 3}, st.random_tensor((2, 3, 33, 40), 6))]


# --- InceptionBlock ---------------------------------------------------------------------------------

@part("InceptionBlock", kind="structure")
@scaled_examples(0.3)
@given(case=st.inception_block_cases())
@with_examples(_inception_regressions())
def test_inception_block_structure(student, device, case):
    loaded_student_module(student, case, reference_module(ref.InceptionBlock, case, device), device)


@part("InceptionBlock")
@given(case=st.inception_block_cases())
@with_examples(_inception_regressions())
def test_inception_block_matches_reference(student, device, case):
    reference = reference_module(ref.InceptionBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_forward(block, reference, case, device, mode="eval", hint=INCEPTION_HINT)


@part("InceptionBlock", kind="gradients")
@scaled_examples(0.3)
@given(case=st.inception_block_cases())
@with_examples(_inception_regressions())
def test_inception_block_gradients(student, device, case):
    reference = reference_module(ref.InceptionBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_module_gradients(block, reference, case, device)


@part("InceptionBlock", kind="input_unchanged")
def test_inception_block_leaves_input_unchanged(student, device):
    for case in _inception_regressions():
        block = loaded_student_module(student, case, reference_module(ref.InceptionBlock, case, device), device)
        check_module_input_unchanged(block, case)


# --- ResidualBlock ----------------------------------------------------------------------------------

@part("ResidualBlock", kind="structure")
@scaled_examples(0.3)
@given(case=st.residual_block_cases())
@with_examples(_residual_regressions())
def test_residual_block_structure(student, device, case):
    reference = reference_module(ref.ResidualBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    with describing(case):
        expected = {name: type(m).__name__ for name, m in reference.named_modules() if name.startswith("downsample")}
        found = {name: kind for name, kind in block.describe()["modules"].items() if name.startswith("downsample")}
        check_equal(found, expected, what="los módulos del atajo (downsample)",
                    hint="downsample = nn.Sequential(conv 1x1 con stride y sin bias, nn.BatchNorm2d) sólo cuando "
                         "stride != 1 o in_channels != out_channels; si no, self.downsample = None.")


@part("ResidualBlock")
@given(case=st.residual_block_cases())
@with_examples(_residual_regressions())
def test_residual_block_matches_reference(student, device, case):
    reference = reference_module(ref.ResidualBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_forward(block, reference, case, device, mode="eval", hint=RESIDUAL_HINT,
                  hints=_residual_hints(reference, case.x.to(device)))


@part("ResidualBlock", kind="train_mode")
@scaled_examples(0.5)
@given(case=st.residual_block_cases())
@with_examples(_residual_regressions())
def test_residual_block_train_mode(student, device, case):
    reference = reference_module(ref.ResidualBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_forward(block, reference, case, device, mode="train", hint=RESIDUAL_HINT)
    check_buffers(block, reference, case, after="tras un forward en modo train")


@part("ResidualBlock", kind="gradients")
@scaled_examples(0.3)
@given(case=st.residual_block_cases())
@with_examples(_residual_regressions())
def test_residual_block_gradients(student, device, case):
    reference = reference_module(ref.ResidualBlock, case, device)
    block = loaded_student_module(student, case, reference, device)
    check_module_gradients(block, reference, case, device)


@part("ResidualBlock", kind="input_unchanged")
def test_residual_block_leaves_input_unchanged(student, device):
    for case in _residual_regressions():
        block = loaded_student_module(student, case, reference_module(ref.ResidualBlock, case, device), device)
        check_module_input_unchanged(block, case)


# --- LeNet ------------------------------------------------------------------------------------------

@part("LeNet", kind="structure")
@scaled_examples(0.2)
@given(case=st.lenet_cases())
@with_examples(_lenet_regressions())
def test_lenet_structure(student, device, case):
    loaded_student_module(student, case, reference_module(ref.LeNet, case, device), device)


@part("LeNet")
@scaled_examples(0.6)
@given(case=st.lenet_cases())
@with_examples(_lenet_regressions())
def test_lenet_matches_reference(student, device, case):
    reference = reference_module(ref.LeNet, case, device)
    net = loaded_student_module(student, case, reference, device)
    softmax = (SOFTMAX_OUTPUT, lambda: torch.softmax(reference.eval()(case.x.to(device)), dim=1))
    check_forward(net, reference, case, device, mode="eval", hint=LENET_HINT, hints=[softmax])


@part("LeNet", kind="gradients")
@scaled_examples(0.2)
@given(case=st.lenet_cases())
def test_lenet_gradients(student, device, case):
    reference = reference_module(ref.LeNet, case, device)
    net = loaded_student_module(student, case, reference, device)
    check_module_gradients(net, reference, case, device)


@part("LeNet", kind="input_unchanged")
def test_lenet_leaves_input_unchanged(student, device):
    for case in _lenet_regressions():
        net = loaded_student_module(student, case, reference_module(ref.LeNet, case, device), device)
        check_module_input_unchanged(net, case)


# --- ResNet18 ---------------------------------------------------------------------------------------
# A ResNet-18 carries ~11M weights across the worker's pipe on every load: few examples.
# It reuses the student's ResidualBlock: each check also runs against the reference ResNet-18 built
# from that block (module_checks.graded_with_own_parts), so a bug there costs ResNet18 nothing.

RESNET_REUSED = {"ResidualBlock": "module"}


def _graded_resnet(student, device, case, check):
    graded_with_own_parts(student, case, device, cls=ref.ResNet18, reference_module_of=ref, reused=RESNET_REUSED,
                          check=check)


@part("ResNet18", kind="structure", builds_on=("ResidualBlock",))
def test_resnet18_structure(student, device):
    case = st.ModuleCase("ResNet18", {}, st.random_tensor((1, 3, 32, 32), 7))

    def check(net, reference):  # names and shapes were checked when the weights loaded
        with describing("ResNet18() con sus argumentos por defecto (1000 clases, 3 canales)"):
            check_equal(parameter_count(net), sum(p.numel() for p in reference.parameters()),
                        what="el número de parámetros",
                        hint="ResNet-18 tiene 11.689.512 parámetros con 1000 clases: revisa los canales de cada "
                             "etapa, bias=False en las convoluciones y el downsample.")
    _graded_resnet(student, device, case, check)


@part("ResNet18", builds_on=("ResidualBlock",))
@scaled_examples(0.08)
@given(case=st.resnet18_cases())
@with_examples(_resnet_regressions())
def test_resnet18_matches_reference(student, device, case):
    _graded_resnet(student, device, case,
                   lambda net, reference: check_forward(net, reference, case, device, mode="eval", hint=RESNET_HINT))


@part("ResNet18", kind="train_mode", builds_on=("ResidualBlock",))
def test_resnet18_train_mode(student, device):
    for case in _resnet_regressions():
        def check(net, reference):
            check_forward(net, reference, case, device, mode="train", hint=RESNET_HINT)
            check_buffers(net, reference, case, after="tras un forward en modo train")
        _graded_resnet(student, device, case, check)


@part("ResNet18", kind="gradients", builds_on=("ResidualBlock",))
def test_resnet18_gradients(student, device):
    case = st.ModuleCase("ResNet18", {"num_classes": 3, "in_channels": 2}, st.random_tensor((2, 2, 20, 27), 8))
    _graded_resnet(student, device, case, lambda net, reference: check_module_gradients(net, reference, case, device))
