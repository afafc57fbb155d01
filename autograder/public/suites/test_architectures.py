"""Public checks of "architectures": InceptionBlock, ResidualBlock, LeNet, ResNet18.

What students run (``check("ResidualBlock")``, ``autograder check architectures.ipynb``). PUBLIC:
no reference solution here. Each module is checked against the statement only: its parameter
names and shapes (autograder/public/spec_table.py), its output shape, and properties that follow
from the statement with weights chosen by the check (e.g. zero convolutions in a residual block
leave relu(x)).
"""
from __future__ import annotations

import math

import torch

from autograder import strategies as st
from autograder.grading.harness import check_close, check_equal, describing, part
from autograder.public.module_spec import (build_plain, build_with_weights, check_layout, check_output_shape,
                                           initial_weights, spec_label, specs_of)

#: BatchNorm2d's default epsilon: at its initial state in eval mode it divides by sqrt(1 + eps).
BN_EPS = 1e-5
RESNET18_PARAMETERS = 11_689_512


def _tensor(shape, seed):
    return st.random_tensor(shape, seed)


# --- InceptionBlock ---------------------------------------------------------------------------------

@part("InceptionBlock", kind="structure")
def test_inception_block_structure(student, device):
    """InceptionBlock tiene los parámetros del enunciado (b1_1, b2_1, b2_2, b3_1, b3_2, b4_2)"""
    for spec in specs_of("InceptionBlock"):
        build_with_weights(student, spec, device)


@part("InceptionBlock", kind="output_shape")
def test_inception_block_output_shape(student, device):
    """InceptionBlock conserva H y W y devuelve c1 + c2[1] + c3[1] + c4 canales"""
    for seed, spec in enumerate(specs_of("InceptionBlock")):
        init = spec["init"]
        block = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        x = _tensor((2, init["in_channels"], 7, 5), seed)
        with describing(spec_label(spec), "x: (2, C, 7, 5)"):
            check_output_shape(block.eval().forward(x), (2, init["c1"] + init["c2"][1] + init["c3"][1] + init["c4"], 7, 5),
                               hint="3x3 con padding 1, 5x5 con padding 2, max-pool 3x3 con stride 1 y padding 1.")


@part("InceptionBlock", kind="properties")
def test_inception_block_concatenates_branches_in_order(student, device):
    """InceptionBlock concatena las ramas en orden, con ReLU al final de cada una"""
    for spec in specs_of("InceptionBlock"):
        weights = initial_weights(spec)
        outputs = []
        # Zero weights: each branch outputs relu(bias of its last convolution), whatever x is.
        for branch, name in enumerate(("b1_1.bias", "b2_2.bias", "b3_2.bias", "b4_2.bias")):
            size = weights[name].shape[0]
            weights[name] = torch.linspace(-1.0, 2.0, size, dtype=torch.float64) + 10.0 * (branch + 1) * (
                torch.arange(size) % 2 == 0)
            outputs.append(torch.relu(weights[name]))
        block = build_with_weights(student, spec, device, weights)
        x = _tensor((2, spec["init"]["in_channels"], 4, 6), 1)
        expected = torch.cat(outputs).reshape(1, -1, 1, 1).expand(2, -1, 4, 6)
        with describing(spec_label(spec), "pesos en cero; sólo el bias de la última convolución de cada rama"):
            check_close(block.eval().forward(x), expected.to(device),
                        hint="concatena [rama 1, rama 2, rama 3, rama 4] en dim=1, con ReLU tras cada convolución.")


@part("InceptionBlock", kind="properties")
def test_inception_block_pooling_branch(student, device):
    """La rama 4 de InceptionBlock es max-pool 3x3 (stride 1, padding 1) y luego la 1x1"""
    spec = specs_of("InceptionBlock")[0]
    weights = initial_weights(spec)
    projection = _tensor(weights["b4_2.weight"].shape, 2)
    weights["b4_2.weight"] = projection
    block = build_with_weights(student, spec, device, weights)
    x = _tensor((2, spec["init"]["in_channels"], 5, 7), 3)
    # Max over each 3x3 window (the padded border never wins): a stride-1 max-pool written with unfold.
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1), value=-math.inf)
    pooled = padded.unfold(2, 3, 1).unfold(3, 3, 1).amax(dim=(-2, -1))
    branch4 = torch.relu(torch.einsum("oc,nchw->nohw", projection[:, :, 0, 0], pooled))
    c = spec["init"]
    offset = c["c1"] + c["c2"][1] + c["c3"][1]
    expected = torch.cat([torch.zeros(2, offset, 5, 7, dtype=torch.float64), branch4], dim=1)
    with describing(spec_label(spec), "sólo b4_2.weight distinto de cero; x: (2, 3, 5, 7)"):
        check_close(block.eval().forward(x), expected.to(device),
                    hint="b4_1 = max-pool 3x3 con stride=1 y padding=1 (no el stride por defecto), luego b4_2 y ReLU.")


# --- ResidualBlock ----------------------------------------------------------------------------------

def _has_downsample(spec):
    return any(name.startswith("downsample.") for name in spec["parameters"])


@part("ResidualBlock", kind="structure")
def test_residual_block_structure(student, device):
    """ResidualBlock tiene conv1, bn1, conv2, bn2 y downsample sólo cuando hace falta"""
    for spec in specs_of("ResidualBlock"):
        build_with_weights(student, spec, device)


@part("ResidualBlock", kind="output_shape")
def test_residual_block_output_shape(student, device):
    """ResidualBlock devuelve (N, out_channels, ⌈H / stride⌉, ⌈W / stride⌉)"""
    for seed, spec in enumerate(specs_of("ResidualBlock")):
        init = spec["init"]
        block = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        x = _tensor((2, init["in_channels"], 7, 6), seed)
        stride = init["stride"]
        with describing(spec_label(spec), "x: (2, C, 7, 6)"):
            check_output_shape(block.eval().forward(x), (2, init["out_channels"], math.ceil(7 / stride),
                                                         math.ceil(6 / stride)),
                               hint="conv1 lleva el stride y padding 1; conv2 stride 1 y padding 1.")


@part("ResidualBlock", kind="properties")
def test_residual_block_identity_shortcut(student, device):
    """Sin downsample y con convoluciones en cero, ResidualBlock devuelve relu(x)"""
    for spec in [s for s in specs_of("ResidualBlock") if not _has_downsample(s)]:
        block = build_with_weights(student, spec, device)
        x = _tensor((2, spec["init"]["in_channels"], 5, 6), 4)
        with describing(spec_label(spec), "conv1 y conv2 en cero, BatchNorm en su estado inicial, modo eval"):
            check_close(block.eval().forward(x), torch.relu(x).to(device),
                        hint="out = relu(bn2(conv2(...)) + x): suma el atajo ANTES de la ReLU final.")


@part("ResidualBlock", kind="properties")
def test_residual_block_downsample_shortcut(student, device):
    """Con downsample y convoluciones en cero, ResidualBlock devuelve relu(bn(conv1x1(x)))"""
    for seed, spec in enumerate([s for s in specs_of("ResidualBlock") if _has_downsample(s)]):
        weights = initial_weights(spec)
        projection = _tensor(weights["downsample.0.weight"].shape, 5 + seed)
        weights["downsample.0.weight"] = projection
        block = build_with_weights(student, spec, device, weights)
        stride = spec["init"]["stride"]
        x = _tensor((2, spec["init"]["in_channels"], 7, 6), 6)
        shortcut = torch.einsum("oc,nchw->nohw", projection[:, :, 0, 0], x[:, :, ::stride, ::stride])
        expected = torch.relu(shortcut / math.sqrt(1 + BN_EPS))
        with describing(spec_label(spec), "conv1 y conv2 en cero, sólo downsample.0.weight distinto de cero, modo eval"):
            check_close(block.eval().forward(x), expected.to(device),
                        hint="downsample = nn.Sequential(conv 1x1 con el stride y sin bias, nn.BatchNorm2d), "
                             "aplicado a x en el atajo.")


# --- LeNet ------------------------------------------------------------------------------------------

@part("LeNet", kind="structure")
def test_lenet_structure(student, device):
    """LeNet tiene conv1, conv2, fc1 (784 → 120), fc2 (120 → 84) y fc3 (84 → num_classes)"""
    for spec in specs_of("LeNet"):
        build_with_weights(student, spec, device)


@part("LeNet", kind="output_shape")
def test_lenet_output_shape(student, device):
    """LeNet devuelve (N, num_classes) para imágenes (N, 1, 28, 28)"""
    for seed, spec in enumerate(specs_of("LeNet")):
        net = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        with describing(spec_label(spec), "x: (3, 1, 28, 28)"):
            check_output_shape(net.eval().forward(_tensor((3, 1, 28, 28), seed)), (3, spec["init"]["num_classes"]),
                               hint="padding 2 en las convoluciones 5x5 y dos max-pool 2x2: 16 · 7 · 7 = 784.")


@part("LeNet", kind="properties")
def test_lenet_returns_logits(student, device):
    """LeNet devuelve logits: con fc3.weight en cero, la salida es fc3.bias"""
    for seed, spec in enumerate(specs_of("LeNet")):
        weights = initial_weights(spec, seed=seed)
        weights["fc3.weight"] = torch.zeros_like(weights["fc3.weight"])
        classes = spec["init"]["num_classes"]
        weights["fc3.bias"] = torch.linspace(-2.0, 3.0, classes, dtype=torch.float64)
        net = build_with_weights(student, spec, device, weights)
        with describing(spec_label(spec), "fc3.weight en cero"):
            check_close(net.eval().forward(_tensor((2, 1, 28, 28), seed)),
                        weights["fc3.bias"].expand(2, classes).to(device),
                        hint="no apliques ReLU ni softmax después de fc3: la red devuelve logits.")


# --- ResNet18 ---------------------------------------------------------------------------------------

@part("ResNet18", kind="structure", builds_on=("ResidualBlock",))
def test_resnet18_structure(student, device):
    """ResNet18 tiene los nombres de torchvision y 11.689.512 parámetros con 1000 clases"""
    for spec in specs_of("ResNet18"):
        net = build_plain(student, spec, device)
        check_layout(net, spec)
        if spec["init"]["num_classes"] == 1000 and spec["init"]["in_channels"] == 3:
            with describing(spec_label(spec)):
                check_equal(sum(math.prod(shape) for shape in net.describe()["parameters"].values()),
                            RESNET18_PARAMETERS, what="el número de parámetros",
                            hint="canales 64, 128, 256, 512; convoluciones sin bias; downsample sólo donde cambia la forma.")


@part("ResNet18", kind="output_shape", builds_on=("ResidualBlock",))
def test_resnet18_output_shape(student, device):
    """ResNet18 devuelve (N, num_classes) para entradas de cualquier tamaño"""
    spec = [s for s in specs_of("ResNet18") if s["init"]["num_classes"] != 1000][0]
    net = build_plain(student, spec, device).eval()
    for shape in [(2, spec["init"]["in_channels"], 33, 40), (2, spec["init"]["in_channels"], 9, 8)]:
        with describing(spec_label(spec), f"x: {shape}"):
            check_output_shape(net.forward(_tensor(shape, 8)), (2, spec["init"]["num_classes"]),
                               hint="termina con un promedio global (nn.AdaptiveAvgPool2d(1)), aplanar y fc.")


@part("ResNet18", kind="properties", builds_on=("ResidualBlock",))
def test_resnet18_returns_logits(student, device):
    """ResNet18 devuelve logits: con fc.weight en cero, la salida es fc.bias"""
    spec = [s for s in specs_of("ResNet18") if s["init"]["num_classes"] != 1000][0]
    weights = initial_weights(spec, seed=9)
    weights["fc.weight"] = torch.zeros_like(weights["fc.weight"])
    weights["fc.bias"] = torch.linspace(-1.0, 1.0, spec["init"]["num_classes"], dtype=torch.float64)
    net = build_with_weights(student, spec, device, weights).eval()
    with describing(spec_label(spec), "fc.weight en cero"):
        check_close(net.forward(_tensor((2, spec["init"]["in_channels"], 20, 17), 10)),
                    weights["fc.bias"].expand(2, -1).to(device), hint="no apliques ReLU ni softmax después de fc.")
