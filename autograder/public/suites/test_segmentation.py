"""Public checks of "segmentation": center_crop, DoubleConv, UNet.

What students run (``check("UNet")``, ``autograder check segmentation.ipynb``). PUBLIC: no
reference solution here. center_crop is compared with its definition in the statement (the crop
starts at top = (H - h) // 2, left = (W - w) // 2), with its gradients, its docstring example and
the invalid size it lists; the modules with their parameter names and shapes
(autograder/public/spec_table.json), output shapes (the paper's 572 -> 388), properties and
gradients that follow from the statement with weights chosen by the check, and their input
left unchanged: every kind of test the grading has, with fewer examples and another seed.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given

from autograder import strategies as st
from autograder.i18n import N_, _
from autograder.grading.harness import (check_close, check_grads, check_input_unchanged, check_raises, describing,
                                        part, scaled_examples)
from autograder.public.module_spec import (build_with_weights, check_known_outputs, check_module_input_unchanged_public,
                                           check_output_shape, initial_weights, spec_label, specs_of)
from autograder.public.part_hints import DOUBLE_CONV_HINT, UNET_HINT

UNET_PARTS = ("DoubleConv", "center_crop")


def _crop_window(case):
    """The statement's definition of the crop, as plain indexing."""
    h, w = (case.size, case.size) if isinstance(case.size, int) else case.size
    height, width = case.x.shape[-2:]
    top, left = (height - h) // 2, (width - w) // 2
    return case.x[..., top:top + h, left:left + w]


@part("center_crop")
@given(case=st.center_crop_cases())
def test_center_crop_takes_the_centre(student, device, case):
    """center_crop recorta (h, w) empezando en ((H − h) // 2, (W − w) // 2)"""
    check_close(student.run("center_crop", case), _crop_window(case).to(device), case=case,
                hint=N_("top = (H − h) // 2 and left = (W − w) // 2; size may be an integer or a pair (h, w)."))


@part("center_crop", kind="examples")
def test_center_crop_docstring_example(student, device):
    """center_crop reproduce el ejemplo del enunciado"""
    x = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    with describing("x = arange(16).reshape(1, 1, 4, 4), size=(2, 3)"):
        check_close(student.call("center_crop", x, (2, 3)),
                    torch.tensor([[[[4.0, 5.0, 6.0], [8.0, 9.0, 10.0]]]], dtype=torch.float64, device=device),
                    hint=N_("top = (4 − 2) // 2 = 1 and left = (4 − 3) // 2 = 0."))


@part("center_crop", kind="input_unchanged")
def test_center_crop_leaves_input_unchanged(student):
    """center_crop no modifica su entrada"""
    check_input_unchanged(student, "center_crop", st.CenterCropCase(st.random_tensor((2, 3, 7, 10), 1), (4, 5)))


@part("center_crop", kind="gradients")
@scaled_examples(0.5)
@given(case=st.center_crop_cases())
def test_center_crop_gradients(student, device, case):
    """El gradiente de center_crop lleva cada valor a su lugar en la entrada (ceros fuera del recorte)"""
    x = case.x.detach().clone().to(device).requires_grad_(True)
    h, w = (case.size, case.size) if isinstance(case.size, int) else case.size
    top, left = (x.shape[-2] - h) // 2, (x.shape[-1] - w) // 2
    out = x[..., top:top + h, left:left + w]
    grad_output = st.random_tensor(out.shape, seed=29, dtype=out.dtype)
    out.backward(grad_output.to(device))
    with describing(case):
        got = student.call("center_crop", case.x, case.size, grad_output=grad_output, grad_wrt=(0,))
    check_grads(got, {0: x.grad}, case=case, names={0: "x"})


@part("center_crop", kind="invalid_arguments")
def test_center_crop_rejects_invalid_arguments(student):
    """center_crop lanza la excepción del enunciado con cada argumento inválido que lista"""
    for case in st.invalid_cases("center_crop"):
        with describing(case):
            check_raises(student, "center_crop", *case.args(), why=case.why, raises=case.raises, **case.kwargs())


# --- DoubleConv -------------------------------------------------------------------------------------

@part("DoubleConv", kind="structure")
def test_double_conv_structure(student, device):
    """DoubleConv tiene conv1 (in → out) y conv2 (out → out), 3x3 con bias"""
    for spec in specs_of("DoubleConv"):
        build_with_weights(student, spec, device)


@part("DoubleConv")
def test_double_conv_known_outputs(student, device):
    """DoubleConv da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "DoubleConv", hint=DOUBLE_CONV_HINT)


@part("DoubleConv", kind="output_shape")
def test_double_conv_output_shape(student, device):
    """DoubleConv conserva H y W con padding=1 y quita 4 píxeles por eje con padding=0"""
    for seed, spec in enumerate(specs_of("DoubleConv")):
        init = spec["init"]
        block = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        lost = 0 if init["padding"] == 1 else 4
        with describing(spec_label(spec), "x: (2, C, 9, 7)"):
            check_output_shape(block.forward(_input((2, init["in_channels"], 9, 7), seed)),
                               (2, init["out_channels"], 9 - lost, 7 - lost),
                               hint=N_("pass the padding to both 3x3 convolutions."))


@part("DoubleConv", kind="properties")
def test_double_conv_relu_after_each_convolution(student, device):
    """DoubleConv aplica ReLU después de cada convolución"""
    for spec in specs_of("DoubleConv"):
        weights = initial_weights(spec)
        out_channels = spec["init"]["out_channels"]
        # relu(conv1(x)) is 0 with a negative conv1 bias, so conv2 only adds its (mixed-sign) bias.
        weights["conv1.bias"] = torch.full((out_channels,), -1.0, dtype=torch.float64)
        weights["conv2.weight"] = torch.full_like(weights["conv2.weight"], 0.1)
        weights["conv2.bias"] = torch.linspace(-1.0, 1.5, out_channels, dtype=torch.float64)
        block = build_with_weights(student, spec, device, weights)
        x = _input((2, spec["init"]["in_channels"], 9, 7), 2)
        lost = 0 if spec["init"]["padding"] == 1 else 4
        expected = torch.relu(weights["conv2.bias"]).reshape(1, -1, 1, 1).expand(2, -1, 9 - lost, 7 - lost)
        with describing(spec_label(spec), "conv1.weight = 0, conv1.bias = −1, conv2.weight = 0.1"):
            check_close(block.forward(x), expected.to(device),
                        hint=N_("x = relu(conv1(x)); x = relu(conv2(x)): ReLU after each convolution, no batch norm."))


def _double_conv_by_the_statement(weights, x, padding):
    """DoubleConv as its docstring defines it, in torch.nn.functional terms (public)."""
    x = torch.relu(F.conv2d(x, weights["conv1.weight"], weights["conv1.bias"], padding=padding))
    return torch.relu(F.conv2d(x, weights["conv2.weight"], weights["conv2.bias"], padding=padding))


@part("DoubleConv", kind="gradients")
def test_double_conv_gradients(student, device):
    """Los gradientes de DoubleConv (entrada y parámetros) son los de sus dos convoluciones con ReLU"""
    for seed, spec in enumerate(specs_of("DoubleConv")):
        weights = initial_weights(spec, seed=seed + 20)
        block = build_with_weights(student, spec, device, weights)
        x = _input((2, spec["init"]["in_channels"], 9, 7), seed + 21)
        leaves = {name: t.detach().clone().to(device).requires_grad_(True) for name, t in weights.items()}
        x_leaf = x.detach().clone().to(device).requires_grad_(True)
        out = _double_conv_by_the_statement(leaves, x_leaf, spec["init"]["padding"])
        grad_output = st.random_tensor(out.shape, seed=seed + 22)
        out.backward(grad_output.to(device))
        expected = {0: x_leaf.grad, **{f"param:{name}": t.grad for name, t in leaves.items()}}
        with describing(spec_label(spec), _("x: (2, C, 9, 7), random weights")):
            got = block.train().forward(x, grad_output=grad_output, grad_wrt=(0, "params"))
            check_close(got, out.detach(), hint="x = relu(conv1(x)); x = relu(conv2(x)).")
            check_grads(got, expected, names={0: "x", **{f"param:{n}": n for n in leaves}})


@part("DoubleConv", kind="input_unchanged")
def test_double_conv_leaves_input_unchanged(student, device):
    """DoubleConv no modifica su entrada"""
    spec = specs_of("DoubleConv")[0]
    block = build_with_weights(student, spec, device, initial_weights(spec, seed=1))
    with describing(spec_label(spec), "x: (2, C, 9, 7)"):
        check_module_input_unchanged_public(block, _input((2, spec["init"]["in_channels"], 9, 7), 3))


# --- UNet -------------------------------------------------------------------------------------------

@part("UNet", kind="structure", builds_on=UNET_PARTS)
def test_unet_structure(student, device):
    """UNet tiene down, up, up_conv y head con los nombres y formas del enunciado"""
    for spec in specs_of("UNet"):
        build_with_weights(student, spec, device)


@part("UNet", builds_on=UNET_PARTS)
def test_unet_known_outputs(student, device):
    """UNet da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "UNet", hint=UNET_HINT)


@part("UNet", kind="train_mode", builds_on=UNET_PARTS)
def test_unet_known_train_mode(student, device):
    """En modo train, UNet da las mismas salidas conocidas (no tiene dropout ni BatchNorm)"""
    check_known_outputs(student, device, "UNet", hint=UNET_HINT, mode="train")


@part("UNet", kind="output_shape", builds_on=UNET_PARTS)
def test_unet_keeps_the_size_with_padding(student, device):
    """Con padding=1, UNet devuelve (N, num_classes, H, W) si H y W son múltiplos de 2^depth"""
    for seed, spec in enumerate(s for s in specs_of("UNet") if s["init"]["padding"] == 1):
        init = spec["init"]
        net = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        with describing(spec_label(spec), "x: (2, C, 16, 24)"):
            check_output_shape(net.forward(_input((2, init["in_channels"], 16, 24), seed)),
                               (2, init["num_classes"], 16, 24),
                               hint=N_("each up[i] doubles H and W; concatenate the cropped skip and apply up_conv[i]."))


@part("UNet", kind="output_shape", builds_on=UNET_PARTS)
def test_unet_reproduces_the_paper_geometry(student, device):
    """Con padding=0 y depth=4, UNet lleva 572x572 a 388x388, como en el artículo"""
    spec = [s for s in specs_of("UNet") if s["init"]["padding"] == 0][0]
    net = build_with_weights(student, spec, device, initial_weights(spec, seed=3))
    with describing(spec_label(spec), "x: (1, 1, 572, 572)"):
        check_output_shape(net.forward(_input((1, spec["init"]["in_channels"], 572, 572), 4)),
                           (1, spec["init"]["num_classes"], 388, 388),
                           hint=N_("without padding each DoubleConv removes 4 pixels; crop the center of each skip "
                                "(center_crop) to the size of x before concatenating."))


@part("UNet", kind="properties", builds_on=UNET_PARTS)
def test_unet_returns_logits(student, device):
    """UNet devuelve logits por píxel: con head.weight en cero, la salida es head.bias"""
    spec = [s for s in specs_of("UNet") if s["init"]["padding"] == 1][0]
    weights = initial_weights(spec, seed=5)
    classes = spec["init"]["num_classes"]
    weights["head.weight"] = torch.zeros_like(weights["head.weight"])
    weights["head.bias"] = torch.linspace(-1.0, 1.0, classes, dtype=torch.float64)
    net = build_with_weights(student, spec, device, weights)
    with describing(spec_label(spec), _("head.weight at zero; x: (1, C, 8, 12)")):
        check_close(net.forward(_input((1, spec["init"]["in_channels"], 8, 12), 6)),
                    weights["head.bias"].reshape(1, -1, 1, 1).expand(1, -1, 8, 12).to(device),
                    hint=N_("head is a 1x1 convolution with no activation after it: the U-Net returns logits."))


def _input(shape, seed):
    return st.random_tensor(shape, seed)


@part("UNet", kind="gradients", builds_on=UNET_PARTS)
def test_unet_head_bias_gradient(student, device):
    """El gradiente de head.bias de UNet es la suma del gradiente de salida por clase (head es la última capa)"""
    spec = [s for s in specs_of("UNet") if s["init"]["padding"] == 1][0]
    net = build_with_weights(student, spec, device, initial_weights(spec, seed=7))
    x = _input((2, spec["init"]["in_channels"], 8, 12), 8)
    grad_output = st.random_tensor((2, spec["init"]["num_classes"], 8, 12), seed=9)
    with describing(spec_label(spec), "x: (2, C, 8, 12)"):
        got = net.train().forward(x, grad_output=grad_output, grad_wrt=("params",))
        check_grads(got, {"param:head.bias": grad_output.sum(dim=(0, 2, 3)).to(device)},
                    names={"param:head.bias": "head.bias"},
                    hint=N_("head (1x1 convolution, with bias) is the last thing applied: nothing after it."))


@part("UNet", kind="input_unchanged", builds_on=UNET_PARTS)
def test_unet_leaves_input_unchanged(student, device):
    """UNet no modifica su entrada"""
    spec = [s for s in specs_of("UNet") if s["init"]["padding"] == 1][0]
    net = build_with_weights(student, spec, device, initial_weights(spec, seed=10))
    with describing(spec_label(spec), "x: (1, C, 8, 12)"):
        check_module_input_unchanged_public(net, _input((1, spec["init"]["in_channels"], 8, 12), 11))

#: Each check's title as check() shows it (autograder/public/check_printout.py), in the student
#: catalog; the docstrings say the same for developers. Every public test has one (tests/test_messages_catalog.py).
TITLES = {
    "test_unet_known_train_mode": N_("In train mode, UNet gives the same known outputs (it has no dropout or BatchNorm)"),
    "test_double_conv_known_outputs": N_("DoubleConv gives the known outputs for the check's weights and input"),
    "test_unet_known_outputs": N_("UNet gives the known outputs for the check's weights and input"),
    "test_center_crop_takes_the_centre": N_("center_crop crops (h, w) starting at ((H − h) // 2, (W − w) // 2)"),
    "test_center_crop_docstring_example": N_("center_crop reproduces the statement's example"),
    "test_center_crop_leaves_input_unchanged": N_("center_crop does not modify its input"),
    "test_center_crop_gradients": N_("The gradient of center_crop takes each value to its place in the input (zeros outside the crop)"),
    "test_center_crop_rejects_invalid_arguments": N_("center_crop raises the statement's exception for each invalid argument it lists"),
    "test_double_conv_structure": N_("DoubleConv has conv1 (in → out) and conv2 (out → out), 3x3 with bias"),
    "test_double_conv_output_shape": N_("DoubleConv keeps H and W with padding=1 and removes 4 pixels per axis with padding=0"),
    "test_double_conv_relu_after_each_convolution": N_("DoubleConv applies a ReLU after each convolution"),
    "test_double_conv_gradients": N_("The gradients of DoubleConv (input and parameters) are those of its two convolutions with ReLU"),
    "test_double_conv_leaves_input_unchanged": N_("DoubleConv does not modify its input"),
    "test_unet_structure": N_("UNet has down, up, up_conv and head with the statement's names and shapes"),
    "test_unet_keeps_the_size_with_padding": N_("With padding=1, UNet returns (N, num_classes, H, W) when H and W are multiples of 2^depth"),
    "test_unet_reproduces_the_paper_geometry": N_("With padding=0 and depth=4, UNet takes 572x572 to 388x388, as in the paper"),
    "test_unet_returns_logits": N_("UNet returns per-pixel logits: with head.weight at zero, the output is head.bias"),
    "test_unet_head_bias_gradient": N_("The gradient of UNet's head.bias is the sum of the output gradient per class (head is the last layer)"),
    "test_unet_leaves_input_unchanged": N_("UNet does not modify its input"),
}
