"""Public checks of "architectures": conv_output_size, LeNet, AlexNet, vgg16, InceptionBlock,
GoogLeNet, ResidualBlock, ResNet18.

What students run (``check("ResidualBlock")``, ``autograder check architectures.ipynb``). PUBLIC:
no reference solution here. Each module is checked against the statement only: its parameter
names and shapes (autograder/public/spec_table.json), its output shape, and properties that follow
from the statement with weights chosen by the check (e.g. zero convolutions in a residual block
leave relu(x)).
"""
from __future__ import annotations

import math

import torch
from hypothesis import given

from autograder import strategies as st
from autograder.grading.harness import check_close, check_equal, check_raises, describing, fail, part
from autograder.i18n import N_, _
from autograder.public import golden
from autograder.public.module_spec import (ChosenWeights, build_plain, build_with_weights, check_known_outputs,
                                           check_layout, check_module_input_unchanged_public, check_output_shape,
                                           initial_weights, spec_label, specs_of)
from autograder.public.network_checks import (check_dropout_only_where_stated, check_dropout_rate,
                                               check_forward_composes, dropout_paths, networks)
from autograder.public.part_hints import (FEATURES_HINT, GOOGLENET_HINT, INCEPTION_HINT, LENET_HINT, RESIDUAL_HINT,
                                           RESNET_HINT)

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


@part("InceptionBlock")
def test_inception_block_known_outputs(student, device):
    """InceptionBlock da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "InceptionBlock", hint=INCEPTION_HINT)


@part("InceptionBlock", kind="output_shape")
def test_inception_block_output_shape(student, device):
    """InceptionBlock conserva H y W y devuelve c1 + c2[1] + c3[1] + c4 canales"""
    for seed, spec in enumerate(specs_of("InceptionBlock")):
        init = spec["init"]
        block = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        x = _tensor((2, init["in_channels"], 7, 5), seed)
        with describing(spec_label(spec), "x: (2, C, 7, 5)"):
            check_output_shape(block.eval().forward(x), (2, init["c1"] + init["c2"][1] + init["c3"][1] + init["c4"], 7, 5),
                               hint=N_("3x3 with padding 1, 5x5 with padding 2, 3x3 max-pool with stride 1 and padding 1."))


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
        with describing(spec_label(spec), _("weights at zero; only the bias of the last convolution of each branch")):
            check_close(block.eval().forward(x), expected.to(device),
                        hint=N_("concatenate [branch 1, branch 2, branch 3, branch 4] on dim=1, with ReLU after each convolution."))


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
    with describing(spec_label(spec), _("only b4_2.weight nonzero; x: (2, 3, 5, 7)")):
        check_close(block.eval().forward(x), expected.to(device),
                    hint=N_("b4_1 = 3x3 max-pool with stride=1 and padding=1 (not the default stride), then b4_2 and ReLU."))


# --- ResidualBlock ----------------------------------------------------------------------------------

def _has_downsample(spec):
    return any(name.startswith("downsample.") for name in spec["parameters"])


@part("ResidualBlock", kind="structure")
def test_residual_block_structure(student, device):
    """ResidualBlock tiene conv1, bn1, conv2, bn2 y downsample sólo cuando hace falta"""
    for spec in specs_of("ResidualBlock"):
        build_with_weights(student, spec, device)


@part("ResidualBlock")
def test_residual_block_known_outputs(student, device):
    """ResidualBlock da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "ResidualBlock", hint=RESIDUAL_HINT)


@part("ResidualBlock", kind="train_mode")
def test_residual_block_known_train_mode(student, device):
    """En modo train, ResidualBlock da las salidas y las estadísticas de BatchNorm conocidas"""
    check_known_outputs(student, device, "ResidualBlock", hint=RESIDUAL_HINT, mode="train")


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
                               hint=N_("conv1 takes the stride and padding 1; conv2 stride 1 and padding 1."))


@part("ResidualBlock", kind="properties")
def test_residual_block_identity_shortcut(student, device):
    """Sin downsample y con convoluciones en cero, ResidualBlock devuelve relu(x)"""
    for spec in [s for s in specs_of("ResidualBlock") if not _has_downsample(s)]:
        block = build_with_weights(student, spec, device)
        x = _tensor((2, spec["init"]["in_channels"], 5, 6), 4)
        with describing(spec_label(spec), _("conv1 and conv2 at zero, BatchNorm in its initial state, eval mode")):
            check_close(block.eval().forward(x), torch.relu(x).to(device),
                        hint=N_("out = relu(bn2(conv2(...)) + x): add the shortcut BEFORE the final ReLU."))


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
        with describing(spec_label(spec), _("conv1 and conv2 at zero, only downsample.0.weight nonzero, eval mode")):
            check_close(block.eval().forward(x), expected.to(device),
                        hint=N_("downsample = nn.Sequential(1x1 conv with the stride and no bias, nn.BatchNorm2d), "
                                "applied to x on the shortcut."))


# --- LeNet ------------------------------------------------------------------------------------------

@part("LeNet", kind="structure")
def test_lenet_structure(student, device):
    """LeNet tiene conv1, conv2, fc1 (784 → 120), fc2 (120 → 84) y fc3 (84 → num_classes)"""
    for spec in specs_of("LeNet"):
        build_with_weights(student, spec, device)


@part("LeNet")
def test_lenet_known_outputs(student, device):
    """LeNet da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "LeNet", hint=LENET_HINT)


@part("LeNet", kind="train_mode")
def test_lenet_known_train_mode(student, device):
    """En modo train, LeNet da las mismas salidas conocidas (no tiene dropout ni BatchNorm)"""
    check_known_outputs(student, device, "LeNet", hint=LENET_HINT, mode="train")


@part("LeNet", kind="output_shape")
def test_lenet_output_shape(student, device):
    """LeNet devuelve (N, num_classes) para imágenes (N, 1, 28, 28)"""
    for seed, spec in enumerate(specs_of("LeNet")):
        net = build_with_weights(student, spec, device, initial_weights(spec, seed=seed))
        with describing(spec_label(spec), "x: (3, 1, 28, 28)"):
            check_output_shape(net.eval().forward(_tensor((3, 1, 28, 28), seed)), (3, spec["init"]["num_classes"]),
                               hint=N_("padding 2 in the 5x5 convolutions and two 2x2 max-pools: 16 · 7 · 7 = 784."))


@part("LeNet", kind="properties")
def test_lenet_returns_logits(student, device):
    """LeNet devuelve logits: con fc3.weight en cero, la salida es fc3.bias"""
    for seed, spec in enumerate(specs_of("LeNet")):
        weights = initial_weights(spec, seed=seed)
        weights["fc3.weight"] = torch.zeros_like(weights["fc3.weight"])
        classes = spec["init"]["num_classes"]
        weights["fc3.bias"] = torch.linspace(-2.0, 3.0, classes, dtype=torch.float64)
        net = build_with_weights(student, spec, device, weights)
        with describing(spec_label(spec), _("fc3.weight at zero")):
            check_close(net.eval().forward(_tensor((2, 1, 28, 28), seed)),
                        weights["fc3.bias"].expand(2, classes).to(device),
                        hint=N_("do not apply ReLU or softmax after fc3: the network returns logits."))


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
                            RESNET18_PARAMETERS, what=N_("the number of parameters"),
                            hint=N_("channels 64, 128, 256, 512; convolutions without bias; downsample only where the shape changes."))


@part("ResNet18", builds_on=("ResidualBlock",))
def test_resnet18_known_outputs(student, device):
    """ResNet18 da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "ResNet18", hint=RESNET_HINT)


@part("ResNet18", kind="output_shape", builds_on=("ResidualBlock",))
def test_resnet18_output_shape(student, device):
    """ResNet18 devuelve (N, num_classes) para entradas de cualquier tamaño"""
    spec = [s for s in specs_of("ResNet18") if s["init"]["num_classes"] != 1000][0]
    net = build_plain(student, spec, device).eval()
    for shape in [(2, spec["init"]["in_channels"], 33, 40), (2, spec["init"]["in_channels"], 9, 8)]:
        with describing(spec_label(spec), f"x: {shape}"):
            check_output_shape(net.forward(_tensor(shape, 8)), (2, spec["init"]["num_classes"]),
                               hint=N_("it ends with a global average (nn.AdaptiveAvgPool2d(1)), flatten and fc."))


@part("ResNet18", kind="properties", builds_on=("ResidualBlock",))
def test_resnet18_returns_logits(student, device):
    """ResNet18 devuelve logits: con fc.weight en cero, la salida es fc.bias"""
    spec = [s for s in specs_of("ResNet18") if s["init"]["num_classes"] != 1000][0]
    classes = spec["init"]["num_classes"]
    # The network keeps its own initial weights (11 M, not worth drawing and sending); only fc's are chosen.
    net = build_plain(student, spec, device).eval()
    fc = {"weight": torch.zeros(spec["parameters"]["fc.weight"], dtype=torch.float64),
          "bias": torch.linspace(-1.0, 1.0, classes, dtype=torch.float64)}
    with describing(spec_label(spec), _("fc.weight at zero")):
        net.submodule("fc").load_reference_state(ChosenWeights(fc))
        check_close(net.forward(_tensor((2, spec["init"]["in_channels"], 20, 17), 10)),
                    fc["bias"].expand(2, -1).to(device), hint=N_("do not apply ReLU or softmax after fc."))


# --- conv_output_size ------------------------------------------------------------------------------

def _torch_output_size(case):
    """The output size F.conv2d gives for ``case`` (meta tensors: shapes only, nothing computed)."""
    def pair(value):
        return value if isinstance(value, tuple) else (value, value)

    x = torch.empty(1, 1, *pair(case.size), device="meta")
    weight = torch.empty(1, 1, *pair(case.kernel_size), device="meta")
    out = tuple(torch.nn.functional.conv2d(x, weight, stride=case.stride, padding=case.padding,
                                           dilation=case.dilation).shape[-2:])
    any_pair = any(isinstance(v, tuple) for v in (*case.args(), *case.kwargs().values()))
    return out if any_pair else out[0]


def _check_size(got, expected, case):
    with describing(case):
        value = got.value
        kinds_ok = (isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value)
                    if isinstance(expected, tuple) else type(value) is int)
        if not kinds_ok:
            fail(_("{kind} like {expected!r} was expected; got {value!r}.\nHint: an int when all the arguments are integers, "
               "a tuple (height, width) when one is a pair; use integer division //.",
               kind=_("a tuple of two ints") if isinstance(expected, tuple) else _("an int"), expected=expected,
               value=value))
        check_equal(value, expected, what=N_("the output size"),
                    hint=N_("⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 on each axis."))


@part("conv_output_size")
@given(case=st.conv_output_size_cases())
def test_conv_output_size_matches_torch(student, case):
    """conv_output_size da la forma que entrega F.conv2d"""
    _check_size(student.run("conv_output_size", case), _torch_output_size(case), case)


@part("conv_output_size", kind="examples")
def test_conv_output_size_lecture_layers(student):
    """conv_output_size da las formas de LeNet, AlexNet y VGG16"""
    for case in st.conv_output_size_regressions():
        _check_size(student.run("conv_output_size", case), _torch_output_size(case), case)


@part("conv_output_size", kind="invalid_arguments")
def test_conv_output_size_rejects_impossible_layers(student):
    """conv_output_size lanza un error cuando la capa no cabe o los argumentos no tienen sentido"""
    # A function that raises on everything (a stub) must not earn these points: first a valid call.
    student.run("conv_output_size", st.conv_output_size_regressions()[0])
    for case in st.invalid_output_size_cases():
        with describing(case):
            check_raises(student, "conv_output_size", *case.args(), why=case.why, **case.kwargs())


# --- AlexNet and VGG16 -------------------------------------------------------------------------------

PUBLISHED = {"AlexNet": 61_100_840, "vgg16": 138_357_544}
#: (input, features output) pairs: AlexNet from the lecture's 224x224; VGG16 on small inputs.
SHAPES = {"AlexNet": [((1, 3, 224, 224), (1, 256, 6, 6)), ((2, 3, 63, 100), (2, 256, 1, 2))],
          "vgg16": [((2, 3, 32, 32), (2, 512, 1, 1)), ((1, 3, 64, 40), (1, 512, 2, 1))]}
#: The input of the train/eval check: one image, the smallest each network's features accept.
DROPOUT_INPUTS = {"AlexNet": (1, 3, 63, 63), "vgg16": (1, 3, 32, 32)}
#: The input of the composition check: a features map whose side does not divide the avgpool's
#: (4x4 into 6x6, 2x1 into 7x7), so some avgpool windows average two values (a max-pooling
#: there, or a plain resize, gives other logits).
COMPOSE_INPUTS = {"AlexNet": (1, 3, 160, 190), "vgg16": (1, 3, 64, 32)}


def _network(student, device, name):
    spec = specs_of(name)[0]
    return networks.get(student, name, device, **spec["init"]), spec


def _structure(student, device, name):
    net, spec = _network(student, device, name)
    check_layout(net, spec)
    classes = spec["init"]["num_classes"]
    with describing(spec_label(spec)):
        count = sum(math.prod(shape) for shape in net.describe()["parameters"].values())
        check_equal(count + (1000 - classes) * 4097, PUBLISHED[name],
                    what=N_("the number of parameters with 1000 classes"),
                    hint=N_("check the channels of each convolution and the sizes of the linear layers."))


def _shapes(student, device, name):
    """features' output for each input of SHAPES. The whole network's (N, num_classes) needs no
    forward of its own: the structure check fixes the last layer's shape, and the composition
    check compares the network's output with that layer's."""
    net, spec = _network(student, device, name)
    features = net.submodule("features").eval()
    for shape, features_shape in SHAPES[name]:
        with describing(spec_label(spec), f"x: {shape}"):
            check_output_shape(features.forward(torch.zeros(shape)), features_shape,
                               hint=N_("compute the shape layer by layer with conv_output_size."))


def _known_features(student, device, name):
    """features holding the check's weights (float32, as the grade checks it) against the known output."""
    check_known_outputs(student, device, name, hint=FEATURES_HINT, network=_network(student, device, name)[0])


def _composes(student, device, name):
    net, spec = _network(student, device, name)
    check_forward_composes(net, name, spec["init"]["num_classes"], [golden.chosen_input(COMPOSE_INPUTS[name], 20, "float32")],
                           device)


def _dropout(student, device, name):
    net, spec = _network(student, device, name)
    with describing(spec_label(spec)):
        found = dropout_paths(net, "classifier.")
        check_equal(len(found), 2, what=N_("the number of nn.Dropout in classifier"), hint=N_("two nn.Dropout(p=0.5)."))
        for path in found:
            check_dropout_rate(net.submodule(path), 0.5, path)
        check_dropout_only_where_stated(net, name, torch.zeros(DROPOUT_INPUTS[name]) + 0.5, found)
    networks.drop()


@part("AlexNet", kind="structure")
def test_alexnet_structure(student, device):
    """AlexNet tiene los parámetros de torchvision (features.N, classifier.N) y 61.100.840 con 1000 clases"""
    _structure(student, device, "AlexNet")


@part("AlexNet")
def test_alexnet_features_known_outputs(student, device):
    """features de AlexNet da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    _known_features(student, device, "AlexNet")


@part("AlexNet")
def test_alexnet_forward_is_features_avgpool_classifier(student, device):
    """AlexNet(x) es classifier(flatten(avgpool(features(x)))), con ReLU tras las dos primeras capas lineales"""
    _composes(student, device, "AlexNet")


@part("AlexNet", kind="output_shape")
def test_alexnet_output_shape(student, device):
    """features de AlexNet lleva 224x224 a un mapa de 6x6"""
    _shapes(student, device, "AlexNet")


@part("AlexNet", kind="train_mode")
def test_alexnet_dropout(student, device):
    """AlexNet usa dos nn.Dropout(p=0.5) en classifier, sólo en modo train"""
    _dropout(student, device, "AlexNet")


@part("vgg16", kind="structure")
def test_vgg16_structure(student, device):
    """vgg16 tiene los parámetros de torchvision (features.N, classifier.N) y 138.357.544 con 1000 clases"""
    _structure(student, device, "vgg16")


@part("vgg16")
def test_vgg16_features_known_outputs(student, device):
    """features de vgg16 da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    _known_features(student, device, "vgg16")


@part("vgg16")
def test_vgg16_forward_is_features_avgpool_classifier(student, device):
    """vgg16(x) es classifier(flatten(avgpool(features(x)))), con ReLU tras las dos primeras capas lineales"""
    _composes(student, device, "vgg16")


@part("vgg16", kind="output_shape")
def test_vgg16_output_shape(student, device):
    """features de vgg16 divide el tamaño por 32"""
    _shapes(student, device, "vgg16")


@part("vgg16", kind="train_mode")
def test_vgg16_dropout(student, device):
    """vgg16 usa dos nn.Dropout(p=0.5) en classifier, sólo en modo train"""
    _dropout(student, device, "vgg16")


# --- GoogLeNet ---------------------------------------------------------------------------------------

@part("GoogLeNet", kind="structure", builds_on=("InceptionBlock",))
def test_googlenet_structure(student, device):
    """GoogLeNet se arma con su InceptionBlock y tiene los parámetros del enunciado"""
    spec = specs_of("GoogLeNet")[0]
    net = build_plain(student, spec, device)
    check_layout(net, spec)
    kinds = net.describe()["modules"]
    with describing(spec_label(spec)):
        others = [name for name in kinds if name.startswith("inception") and "." not in name
                  and kinds[name] != "InceptionBlock"]
        if others:
            fail(_("these modules are not your InceptionBlock: ") + ", ".join(others) + ".")


@part("GoogLeNet", builds_on=("InceptionBlock",))
def test_googlenet_known_outputs(student, device):
    """GoogLeNet da las salidas conocidas con los pesos y la entrada que elige la comprobación"""
    check_known_outputs(student, device, "GoogLeNet", hint=GOOGLENET_HINT)


@part("GoogLeNet", kind="output_shape", builds_on=("InceptionBlock",))
def test_googlenet_output_shape(student, device):
    """GoogLeNet devuelve (N, num_classes) para entradas de cualquier tamaño"""
    spec = specs_of("GoogLeNet")[0]
    net = build_plain(student, spec, device).eval()
    for shape in [(2, 3, 40, 33), (1, 3, 5, 9)]:
        with describing(spec_label(spec), f"x: {shape}"):
            check_output_shape(net.forward(_tensor(shape, 11)), (shape[0], spec["init"]["num_classes"]),
                               hint=N_("the poolings have padding 1 and the last one is a global average."))


@part("GoogLeNet", kind="train_mode", builds_on=("InceptionBlock",))
def test_googlenet_dropout(student, device):
    """GoogLeNet aplica dropout (p=0.4) antes de fc, sólo en modo train"""
    spec = specs_of("GoogLeNet")[0]
    net = build_plain(student, spec, device)
    with describing(spec_label(spec)):
        check_dropout_rate(net.submodule("dropout"), 0.4, "dropout")
        check_dropout_only_where_stated(net, "GoogLeNet", _tensor((1, 3, 9, 17), 12), ["dropout"])


# --- every module part: gradients, the input left alone, train mode --------------------------------
# The hidden suite grades these kinds against the reference; here each module is checked against
# itself and the statement: autograd's gradient must agree with the module's own forward, the input
# must not be modified in place, and in train mode BatchNorm must learn its running statistics.

def _input_for(spec: dict, height: int, width: int, seed: int, batch: int = 2) -> torch.Tensor:
    channels = spec["init"].get("in_channels", 1 if spec["module"] == "LeNet" else 3)
    return _tensor((batch, channels, height, width), seed)


#: Part -> (height, width, batch) of the input its gradient check uses (LeNet's fc1 needs 28x28).
GRADIENT_INPUTS = {"InceptionBlock": (6, 5, 2), "LeNet": (28, 28, 2), "ResidualBlock": (7, 6, 2),
                   "ResNet18": (20, 17, 1), "GoogLeNet": (9, 11, 1)}
#: Step of the centred difference (float64) and the tolerance of the comparison.
STEP, GRADIENT_RTOL, GRADIENT_ATOL = 1e-7, 1e-5, 1e-8
#: Points the check tries before it fails. A ReLU or max-pool kink within STEP of x makes the
#: centred difference wrong for a correct module (with its own random initial weights, about one
#: ResNet-18 in 150 at STEP); a gradient cut from the graph is wrong at every point.
GRADIENT_POINTS = 3


def check_gradients_follow_the_forward(net, x: torch.Tensor, seed: int) -> None:
    """The gradient the worker's autograd gives for x agrees with a centred difference of the
    module's own forward along a random direction (eval mode, float64): the output was built
    with differentiable tensor operations, not through numpy, .item() or .detach().

    It passes when it agrees at any of GRADIENT_POINTS points (x, then x moved by a random
    offset); the message gives the numbers at x.
    """
    net.eval()
    first = None
    for point in range(GRADIENT_POINTS):
        here = x if point == 0 else x + st.random_tensor(tuple(x.shape), seed=seed + 100 * point).to(x.device)
        analytic, numeric = _gradient_and_difference(net, here, seed + 100 * point)
        if abs(analytic - numeric) <= GRADIENT_ATOL + GRADIENT_RTOL * max(abs(numeric), abs(analytic)):
            return
        first = first or (analytic, numeric)
    fail(_("The gradient with respect to x does not match your own forward: in a random direction, "
           "autograd gives {analytic:.6g} and the centered difference of your forward gives {numeric:.6g}.\n"
           "Hint: build the output only with torch tensor operations so that autograd can differentiate it.",
           analytic=first[0], numeric=first[1]))


def _gradient_and_difference(net, x: torch.Tensor, seed: int) -> tuple[float, float]:
    """Autograd's directional derivative of a random projection of net(x), and the centred
    difference of the forward along the same direction."""
    out = net.forward(x).value
    grad_output = st.random_tensor(tuple(out.shape), seed=seed + 1)
    direction = st.random_tensor(tuple(x.shape), seed=seed + 2)
    got = net.forward(x, grad_output=grad_output, grad_wrt=(0,))
    if got.grads.get(0) is None:
        fail(_("Could not compute the gradient with respect to x: did the result get disconnected from the graph "
               "(numpy, .item(), .detach(), torch.tensor(...) on computed values)?"))
    plus = torch.from_numpy(net.forward(x + STEP * direction.to(x.device)).value)
    minus = torch.from_numpy(net.forward(x - STEP * direction.to(x.device)).value)
    numeric = float(((plus - minus) / (2 * STEP) * grad_output).sum())
    analytic = float((torch.from_numpy(got.grads[0]) * direction).sum())
    return analytic, numeric


def _gradient_test(name: str, *, own_weights: bool = False):
    """The gradient check of part ``name``: with random weights sent to the worker or, for the
    whole networks (millions of parameters to draw and send), with the network's own initial ones."""
    def test(student, device):
        height, width, batch = GRADIENT_INPUTS[name]
        for seed, spec in enumerate(specs_of(name)[:2]):
            if spec["init"].get("num_classes") == 1000:
                continue  # a 1000-class head only makes the check slower
            if own_weights:
                net, weights = build_plain(student, spec, device), _("its own initial weights")
            else:
                net, weights = build_with_weights(student, spec, device, initial_weights(spec, seed=seed + 30)), _("random weights")
            x = _input_for(spec, height, width, seed + 40, batch)
            with describing(spec_label(spec), _("x: {shape}, {weights}, eval mode", shape=tuple(x.shape), weights=weights)):
                check_gradients_follow_the_forward(net, x.to(device), seed + 50)
    test.__doc__ = _("The gradient of {name} with respect to x matches the derivative of its own forward", name=name)
    return test


test_inception_block_gradients = part("InceptionBlock", kind="gradients")(_gradient_test("InceptionBlock"))
test_lenet_gradients = part("LeNet", kind="gradients")(_gradient_test("LeNet"))
test_residual_block_gradients = part("ResidualBlock", kind="gradients")(_gradient_test("ResidualBlock"))
test_resnet18_gradients = part("ResNet18", kind="gradients", builds_on=("ResidualBlock",))(_gradient_test("ResNet18", own_weights=True))
test_googlenet_gradients = part("GoogLeNet", kind="gradients", builds_on=("InceptionBlock",))(_gradient_test("GoogLeNet", own_weights=True))


def _input_unchanged_test(name: str, height: int, width: int):
    def test(student, device):
        spec = specs_of(name)[0]
        net = build_with_weights(student, spec, device, initial_weights(spec, seed=60))
        x = _input_for(spec, height, width, 61)
        with describing(spec_label(spec), f"x: {tuple(x.shape)}"):
            check_module_input_unchanged_public(net.eval(), x.to(device))
    test.__doc__ = _("{name} does not modify its input", name=name)
    return test


test_inception_block_leaves_input_unchanged = part("InceptionBlock", kind="input_unchanged")(
    _input_unchanged_test("InceptionBlock", 6, 5))
test_lenet_leaves_input_unchanged = part("LeNet", kind="input_unchanged")(_input_unchanged_test("LeNet", 28, 28))
test_residual_block_leaves_input_unchanged = part("ResidualBlock", kind="input_unchanged")(
    _input_unchanged_test("ResidualBlock", 7, 6))


@part("ResidualBlock", kind="train_mode")
def test_residual_block_learns_running_statistics(student, device):
    """En modo train, bn1 actualiza running_mean con la media del lote de conv1(x) (momentum 0.1)"""
    for seed, spec in enumerate(specs_of("ResidualBlock")[:2]):
        weights = initial_weights(spec, seed=seed + 70)
        block = build_with_weights(student, spec, device, weights)
        x = _input_for(spec, 7, 6, seed + 71)
        block.train().forward(x.to(device))
        batch_mean = torch.nn.functional.conv2d(x, weights["conv1.weight"], stride=spec["init"]["stride"],
                                                padding=1).mean(dim=(0, 2, 3))
        with describing(spec_label(spec), _("one forward in train mode from the initial state of BatchNorm")):
            check_close(block.state_dict()["bn1.running_mean"], (0.1 * batch_mean).to(device),
                        what=N_("bn1.running_mean after a forward in train mode"),
                        hint=N_("conv1 (no bias) -> bn1 -> ReLU: bn1 receives the output of conv1 directly and, in "
                             "train mode, normalizes with the batch mean and updates its running_mean."))

#: Each check's title as check() shows it (autograder/public/check_printout.py), in the student
#: catalog; the docstrings say the same for developers. Every public test has one (tests/test_messages_catalog.py).
TITLES = {
    "test_residual_block_known_train_mode": N_("In train mode, ResidualBlock gives the known outputs and BatchNorm statistics"),
    "test_lenet_known_train_mode": N_("In train mode, LeNet gives the same known outputs (it has no dropout or BatchNorm)"),
    "test_inception_block_known_outputs": N_("InceptionBlock gives the known outputs for the check's weights and input"),
    "test_residual_block_known_outputs": N_("ResidualBlock gives the known outputs for the check's weights and input"),
    "test_lenet_known_outputs": N_("LeNet gives the known outputs for the check's weights and input"),
    "test_resnet18_known_outputs": N_("ResNet18 gives the known outputs for the check's weights and input"),
    "test_googlenet_known_outputs": N_("GoogLeNet gives the known outputs for the check's weights and input"),
    "test_alexnet_features_known_outputs": N_("AlexNet's features give the known outputs for the check's weights and input"),
    "test_vgg16_features_known_outputs": N_("vgg16's features give the known outputs for the check's weights and input"),
    "test_alexnet_forward_is_features_avgpool_classifier": N_("AlexNet(x) is classifier(flatten(avgpool(features(x)))), with ReLU after the first two linear layers"),
    "test_vgg16_forward_is_features_avgpool_classifier": N_("vgg16(x) is classifier(flatten(avgpool(features(x)))), with ReLU after the first two linear layers"),
    "test_inception_block_structure": N_("InceptionBlock has the statement's parameters (b1_1, b2_1, b2_2, b3_1, b3_2, b4_2)"),
    "test_inception_block_output_shape": N_("InceptionBlock keeps H and W and returns c1 + c2[1] + c3[1] + c4 channels"),
    "test_inception_block_concatenates_branches_in_order": N_("InceptionBlock concatenates the branches in order, with a ReLU at the end of each"),
    "test_inception_block_pooling_branch": N_("Branch 4 of InceptionBlock is a 3x3 max-pool (stride 1, padding 1) and then the 1x1"),
    "test_residual_block_structure": N_("ResidualBlock has conv1, bn1, conv2, bn2 and downsample only when needed"),
    "test_residual_block_output_shape": N_("ResidualBlock returns (N, out_channels, ⌈H / stride⌉, ⌈W / stride⌉)"),
    "test_residual_block_identity_shortcut": N_("Without downsample and with zero convolutions, ResidualBlock returns relu(x)"),
    "test_residual_block_downsample_shortcut": N_("With downsample and zero convolutions, ResidualBlock returns relu(bn(conv1x1(x)))"),
    "test_lenet_structure": N_("LeNet has conv1, conv2, fc1 (784 → 120), fc2 (120 → 84) and fc3 (84 → num_classes)"),
    "test_lenet_output_shape": N_("LeNet returns (N, num_classes) for (N, 1, 28, 28) images"),
    "test_lenet_returns_logits": N_("LeNet returns logits: with fc3.weight at zero, the output is fc3.bias"),
    "test_resnet18_structure": N_("ResNet18 has torchvision's names and 11,689,512 parameters with 1000 classes"),
    "test_resnet18_output_shape": N_("ResNet18 returns (N, num_classes) for inputs of any size"),
    "test_resnet18_returns_logits": N_("ResNet18 returns logits: with fc.weight at zero, the output is fc.bias"),
    "test_conv_output_size_matches_torch": N_("conv_output_size gives the shape F.conv2d returns"),
    "test_conv_output_size_lecture_layers": N_("conv_output_size gives the shapes of LeNet, AlexNet and VGG16"),
    "test_conv_output_size_rejects_impossible_layers": N_("conv_output_size raises an error when the layer does not fit or the arguments make no sense"),
    "test_alexnet_structure": N_("AlexNet has torchvision's parameters (features.N, classifier.N) and 61,100,840 with 1000 classes"),
    "test_alexnet_output_shape": N_("AlexNet's features take 224x224 to a 6x6 map"),
    "test_alexnet_dropout": N_("AlexNet uses two nn.Dropout(p=0.5) in classifier, only in train mode"),
    "test_vgg16_structure": N_("vgg16 has torchvision's parameters (features.N, classifier.N) and 138,357,544 with 1000 classes"),
    "test_vgg16_output_shape": N_("vgg16's features divide the size by 32"),
    "test_vgg16_dropout": N_("vgg16 uses two nn.Dropout(p=0.5) in classifier, only in train mode"),
    "test_googlenet_structure": N_("GoogLeNet is built from its InceptionBlock and has the statement's parameters"),
    "test_googlenet_output_shape": N_("GoogLeNet returns (N, num_classes) for inputs of any size"),
    "test_googlenet_dropout": N_("GoogLeNet applies dropout (p=0.4) before fc, only in train mode"),
    "test_residual_block_learns_running_statistics": N_("In train mode, bn1 updates running_mean with the batch mean of conv1(x) (momentum 0.1)"),
}
