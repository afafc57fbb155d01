"""Hidden suite of the assignment "architectures": conv_output_size, LeNet, AlexNet, vgg16,
InceptionBlock, GoogLeNet, ResidualBlock, ResNet18.

SECRET: run only through the grader (``autograder grade SUBMISSION --assignment architectures``).
Per part: the parameter/buffer names and shapes of the statement ("structure"); with the
reference's weights loaded by name, the same float64 output in eval mode ("matches_reference")
and in train mode with the same BatchNorm running statistics afterwards ("train_mode"); the
same gradients for the input and every parameter ("gradients"); the input is not modified.

AlexNet and VGG16 are too big to send weights for (61 M and 138 M parameters; 0.5 and 1.1 GB in
float64), so they are checked piece by piece in float32: names and shapes from ``describe()``;
``features`` (a few million weights) with the reference's weights; the forward as the
composition features -> avgpool -> flatten -> classifier, with the student's own linear layers
called one by one; dropout measured on its own module. Each is built once per grading and its
weights dropped afterwards (``StudentModule.release``), as building one takes seconds.
"""
from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given

from autograder import strategies as st
from autograder.grading.harness import (check_close, check_equal, check_raises, describing, fail,
                                        part, scaled_examples, with_examples)
from autograder.public.network_checks import (check_dropout_rate, check_dropout_only_where_stated, check_forward_composes,
                                               dropout_paths, networks)
from solutions import architectures as ref
from autograder.i18n import N_, _
from autograder.public.part_hints import (FEATURES_HINT, GOOGLENET_HINT, INCEPTION_HINT, LENET_HINT,
                                           RESIDUAL_HINT, RESNET_HINT)
from tests.hidden.module_checks import (check_buffers, check_forward, check_module_gradients, graded_with_own_parts,
                                        check_module_input_unchanged, loaded_student_module, parameter_count,
                                        reference_module)

#: The published size of ResNet-18 with 1000 classes (He et al., 2015; torchvision).
RESNET18_PARAMETERS = 11_689_512
#: torchvision's alexnet() and vgg16(): the single-GPU AlexNet and configuration D, 1000 classes.
ALEXNET_PARAMETERS = 61_100_840
VGG16_PARAMETERS = 138_357_544
#: Our GoogLeNet (the paper's table, 5x5 branches, convolutions with bias, no BatchNorm).
GOOGLENET_PARAMETERS = 6_998_552
#: torchvision's googlenet(aux_logits=False, init_weights=False) (its documented num_params):
#: BatchNorm after every convolution (which then has no bias) and a 3x3 where the paper has 5x5.
TORCHVISION_GOOGLENET_PARAMETERS = 6_624_904

RELU_BEFORE_SUM = N_("Did you apply ReLU before adding the shortcut? The final ReLU goes after the sum.")
NO_FINAL_RELU = N_("Did you forget the final ReLU, after adding the shortcut?")
SOFTMAX_OUTPUT = N_("LeNet returns logits: do not apply softmax at the end (CrossEntropyLoss already includes it).")


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
        check_equal(found, expected, what=N_("the shortcut modules (downsample)"),
                    hint=N_("downsample = nn.Sequential(1x1 conv with stride and no bias, nn.BatchNorm2d) only when "
                         "stride != 1 or in_channels != out_channels; otherwise, self.downsample = None."))


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
    check_buffers(block, reference, case, after=N_("after a forward in train mode"))


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
        with describing(_("ResNet18() with its default arguments (1000 classes, 3 channels)")):
            check_equal(parameter_count(net), sum(p.numel() for p in reference.parameters()),
                        what=N_("the number of parameters"),
                        hint=N_("ResNet-18 has 11.689.512 parameters with 1000 classes: check the channels of each "
                             "stage, bias=False in the convolutions and the downsample."))
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
            check_buffers(net, reference, case, after=N_("after a forward in train mode"))
        _graded_resnet(student, device, case, check)


@part("ResNet18", kind="gradients", builds_on=("ResidualBlock",))
def test_resnet18_gradients(student, device):
    case = st.ModuleCase("ResNet18", {"num_classes": 3, "in_channels": 2}, st.random_tensor((2, 2, 20, 27), 8))
    _graded_resnet(student, device, case, lambda net, reference: check_module_gradients(net, reference, case, device))


# --- conv_output_size -------------------------------------------------------------------------------

OUTPUT_SIZE_HINT = N_("output = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 on each axis (integer division, rounding down).")


def _output_size_mistakes(case):
    """Outputs of the classic mistakes of the formula, for the hint (same int/pair shape)."""
    def each_axis(formula):
        def pair(v):
            return v if isinstance(v, tuple) else (v, v)
        values = [formula(*axis) for axis in zip(*(pair(a) for a in (*case.args(), *case.kwargs().values())))]
        return tuple(values) if any(isinstance(a, tuple) for a in (*case.args(), *case.kwargs().values())) else values[0]

    return [
        (N_("the padding goes on both sides: 2p, not p."), lambda: each_axis(lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1)),
        (N_("did you forget the final + 1?"), lambda: each_axis(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s)),
        (N_("dilation enlarges the kernel to d(k − 1) + 1."), lambda: each_axis(lambda n, k, s, p, d: (n + 2 * p - k) // s + 1)),
        (N_("it rounds down (⌊·⌋), not up."),
         lambda: each_axis(lambda n, k, s, p, d: -((n + 2 * p - d * (k - 1) - 1) // -s) + 1)),
    ]


def _check_output_size(got, expected, case) -> None:
    value = got.value
    with describing(case):
        if isinstance(expected, tuple):
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                fail(_("with some argument a pair (height, width) a tuple of two ints was expected; got {value!r}.", value=value))
            if isinstance(value, list):
                fail(_("a tuple (height, width) was expected; got the list {value!r}.\nHint: return tuple(...).", value=value))
        elif isinstance(value, (tuple, list)):
            fail(_("with all the arguments integers an int was expected; got {value!r}.", value=value))
        for item in (value if isinstance(expected, tuple) else (value,)):
            if type(item) is not int:  # noqa: E721 - bool, float, numpy and tensors are not what was asked
                fail(_("each size must be a Python int; got {item!r} ({type}).\n"
                       "Hint: use integer division // (or math.floor) and do not convert to a tensor.", item=item,
                       type=type(item).__name__))
        if value != expected:
            hint = OUTPUT_SIZE_HINT
            for text, mistake in _output_size_mistakes(case):
                if tuple(np.atleast_1d(mistake())) == tuple(np.atleast_1d(value)):
                    hint = text
                    break
            fail(_("the output size does not match: {expected!r} was expected; got {value!r}.\nHint: {hint}",
                   expected=expected, value=value, hint=_(hint)))


@part("conv_output_size")
@given(case=st.conv_output_size_cases())
def test_conv_output_size_matches_reference(student, case):
    got = student.run("conv_output_size", case)
    _check_output_size(got, ref.conv_output_size(*case.args(), **case.kwargs()), case)


@part("conv_output_size", kind="examples")
def test_conv_output_size_gives_the_lecture_shapes(student):
    for case in st.conv_output_size_regressions():
        _check_output_size(student.run("conv_output_size", case), ref.conv_output_size(*case.args(), **case.kwargs()),
                           case)


@part("conv_output_size", kind="invalid_arguments")
def test_conv_output_size_rejects_impossible_layers(student):
    # A function that raises on everything (a stub) must not earn these points: first a valid call.
    student.run("conv_output_size", st.conv_output_size_regressions()[0])
    for case in st.invalid_output_size_cases():
        with describing(case):
            check_raises(student, "conv_output_size", *case.args(), why=case.why, **case.kwargs())


# --- AlexNet and VGG16: piece by piece ------------------------------------------------------------------

PUBLISHED = {"AlexNet": ALEXNET_PARAMETERS, "vgg16": VGG16_PARAMETERS}
REFERENCE = {"AlexNet": ref.AlexNet, "vgg16": ref.vgg16}
#: Inputs small enough for a CPU. features' check runs on both; the composition check on the
#: first and on COMPOSE_INPUTS, whose features map does not divide avgpool's output (4x4 into 6x6,
#: 2x1 into 7x7): some windows average two values, so a max-pooling there changes the logits.
FEATURE_INPUTS = {"AlexNet": [(2, 3, 100, 120), (1, 3, 67, 63)], "vgg16": [(2, 3, 64, 48), (1, 3, 32, 40)]}
COMPOSE_INPUTS = {"AlexNet": (1, 3, 160, 190), "vgg16": (2, 3, 64, 48)}
SMALL_CLASSES = 7


_big = networks


@functools.lru_cache(maxsize=4)
def _meta_reference(name: str, num_classes: int):
    """The reference's names and shapes (no weights: built on the meta device)."""
    with torch.device("meta"):
        module = REFERENCE[name](num_classes=num_classes)
    return {n: tuple(t.shape) for n, t in module.state_dict().items()}


@functools.lru_cache(maxsize=2)
def _reference_features(name: str):
    """The reference's ``features`` alone, float32, seeded weights (the classifier is never built)."""
    with torch.device("meta"):
        features = REFERENCE[name](num_classes=SMALL_CLASSES).features
    features = features.to_empty(device="cpu")
    torch.manual_seed(0)
    for layer in features.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    return features.float().eval()


def _check_layout(net, expected: dict, label: str):
    info = net.describe()
    found = {n: tuple(s) for group in ("parameters", "buffers") for n, s in info[group].items()}
    missing = [n for n in expected if n not in found]
    unexpected = [n for n in found if n not in expected]
    reshaped = [_("{name}: {expected} was expected, it has {got}", name=n, expected=expected[n], got=found[n]) for n in expected if n in found and found[n] != expected[n]]
    if missing or unexpected or reshaped:
        lines = [_("The parameters of `{name}` do not have the names and shapes of the assignment.", name=label)]
        for title, names in ((_("Missing: "), missing), (_("Extra: "), unexpected), (_("With another shape: "), reshaped)):
            if names:
                lines.append(title + ", ".join(names[:8]) + (" …" if len(names) > 8 else ""))
        lines.append(_("Hint: in features.N and classifier.N, the index N counts every layer of the nn.Sequential "
                       "(ReLU, pooling and dropout too): is a layer missing or extra before that position?"))
        fail("\n".join(lines))


def _structure(student, device, name: str):
    """Names and shapes of torchvision's layout, and so its published size with 1000 classes: the
    num_classes outputs of the last layer are its only difference (one build: a VGG16 takes seconds)."""
    net = _big.get(student, name, device, num_classes=SMALL_CLASSES)
    published = f"{PUBLISHED[name]:,}".replace(",", ".")
    with describing(f"{name}(num_classes={SMALL_CLASSES})"):
        _check_layout(net, _meta_reference(name, SMALL_CLASSES), f"{name}(num_classes={SMALL_CLASSES})")
        with_1000 = parameter_count(net) + (1000 - SMALL_CLASSES) * (4096 + 1)
        check_equal(with_1000, PUBLISHED[name], what=N_("the number of parameters it would have with 1000 classes"),
                    hint=_("{name} has {published} parameters with 1000 classes (as torchvision).", name=name, published=published))


def _features_match(student, device, name: str):
    net = _big.get(student, name, device, num_classes=SMALL_CLASSES)
    reference = _reference_features(name).to(device)
    with describing(_("{name}(num_classes={classes}).features, with the reference's weights", name=name, classes=SMALL_CLASSES)):
        features = net.submodule("features")
        features.load_reference_state(reference)
        features.eval()
    for seed, shape in enumerate(FEATURE_INPUTS[name]):
        x = st.random_tensor(shape, 30 + seed).float()
        with describing(f"{name}(num_classes={SMALL_CLASSES}).features, x: {shape}"):
            with torch.no_grad():
                expected = reference(x.to(device))
            check_close(features.forward(x), expected, hint=FEATURES_HINT)  # float32: float32's tolerances


def _forward_composes(student, device, name: str):
    net = _big.get(student, name, device, num_classes=SMALL_CLASSES)
    shapes = [FEATURE_INPUTS[name][0], COMPOSE_INPUTS[name]]
    inputs = [st.random_tensor(shape, 40 + seed).float() for seed, shape in enumerate(dict.fromkeys(shapes))]
    check_forward_composes(net, name, SMALL_CLASSES, inputs, device)


def _dropout(student, device, name: str):
    net = _big.get(student, name, device, num_classes=SMALL_CLASSES)
    with describing(f"{name}(num_classes={SMALL_CLASSES})"):
        found = dropout_paths(net, "classifier.")
        check_equal(len(found), 2, what=N_("the number of nn.Dropout in classifier"),
                    hint=N_("classifier has two nn.Dropout(p=0.5), as in torchvision."))
        for path in found:
            check_dropout_rate(net.submodule(path), 0.5, path)
        x = st.random_tensor((1, 3, *FEATURE_INPUTS[name][1][2:]), 50).float()
        check_dropout_only_where_stated(net, name, x, found)


def _output_shapes(student, device, name: str, shape, features_shape):
    net = _big.get(student, name, device, num_classes=SMALL_CLASSES).eval()
    x = torch.zeros(shape)
    with describing(f"{name}(num_classes={SMALL_CLASSES}), x: {shape}"):
        check_equal(tuple(net.submodule("features").forward(x).value.shape), features_shape,
                    what=N_("the output shape of features"), hint=N_("apply conv_output_size layer by layer."))
        check_equal(tuple(net.forward(x).value.shape), (shape[0], SMALL_CLASSES), what=N_("the output shape"),
                    hint=N_("features -> avgpool -> flatten -> classifier, with num_classes outputs."))


@part("AlexNet", kind="structure")
def test_alexnet_structure(student, device):
    _structure(student, device, "AlexNet")


@part("AlexNet")
def test_alexnet_features_match_reference(student, device):
    _features_match(student, device, "AlexNet")


@part("AlexNet")
def test_alexnet_forward_is_features_avgpool_classifier(student, device):
    _forward_composes(student, device, "AlexNet")


@part("AlexNet", kind="train_mode")
def test_alexnet_dropout(student, device):
    _dropout(student, device, "AlexNet")


@part("AlexNet", kind="output_shape")
def test_alexnet_output_shape_for_224(student, device):
    _output_shapes(student, device, "AlexNet", (1, 3, 224, 224), (1, 256, 6, 6))
    _big.drop()


@part("vgg16", kind="structure")
def test_vgg16_structure(student, device):
    _structure(student, device, "vgg16")


@part("vgg16")
def test_vgg16_features_match_reference(student, device):
    _features_match(student, device, "vgg16")


@part("vgg16")
def test_vgg16_forward_is_features_avgpool_classifier(student, device):
    _forward_composes(student, device, "vgg16")


@part("vgg16", kind="train_mode")
def test_vgg16_dropout(student, device):
    _dropout(student, device, "vgg16")


@part("vgg16", kind="output_shape")
def test_vgg16_output_shape(student, device):
    _output_shapes(student, device, "vgg16", (2, 3, 32, 32), (2, 512, 1, 1))
    _big.drop()


# --- GoogLeNet -------------------------------------------------------------------------------------

def _googlenet_regressions():
    return [st.ModuleCase("GoogLeNet", {"num_classes": 5}, st.random_tensor((2, 3, 40, 33), 11)),
            st.ModuleCase("GoogLeNet", {"num_classes": 3}, st.random_tensor((1, 3, 9, 17), 12))]


@part("GoogLeNet", kind="structure", builds_on=("InceptionBlock",))
def test_googlenet_structure(student):
    net = student.build("GoogLeNet", case="GoogLeNet()")
    with describing(_("GoogLeNet() with its default arguments (1000 classes)")):
        kinds = net.describe()["modules"]
        not_inception = [f"inception{b}" for b in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
                         if kinds.get(f"inception{b}") != "InceptionBlock"]
        if not_inception:
            fail(_("these modules are not your InceptionBlock: {modules}.\nHint: GoogLeNet is built from your "
                   "InceptionBlock: self.inception3a = InceptionBlock(192, 64, ...).", modules=", ".join(not_inception)))
        check_equal(parameter_count(net), GOOGLENET_PARAMETERS, what=N_("the number of parameters"),
                    hint=N_("with the paper's table (5x5 branches, convolutions with bias and no batch norm) they are "
                         "6.998.552; check the columns of each row of the table and the stem."))
        _check_layout(net, _meta_shapes(ref.GoogLeNet), "GoogLeNet()")


@functools.lru_cache(maxsize=1)
def _meta_shapes(cls) -> dict:
    with torch.device("meta"):
        return {n: tuple(t.shape) for n, t in cls().state_dict().items()}


@part("GoogLeNet", builds_on=("InceptionBlock",))
@scaled_examples(0.1)
@given(case=st.googlenet_cases())
@with_examples(_googlenet_regressions())
def test_googlenet_matches_reference(student, device, case):
    reference = reference_module(ref.GoogLeNet, case, device)
    net = loaded_student_module(student, case, reference, device)
    check_forward(net, reference, case, device, mode="eval", hint=GOOGLENET_HINT)


@part("GoogLeNet", kind="gradients", builds_on=("InceptionBlock",))
def test_googlenet_gradients(student, device):
    case = _googlenet_regressions()[1]
    reference = reference_module(ref.GoogLeNet, case, device)
    net = loaded_student_module(student, case, reference, device)
    check_module_gradients(net, reference, case, device, mode="eval")


@part("GoogLeNet", kind="train_mode", builds_on=("InceptionBlock",))
def test_googlenet_dropout(student, device):
    case = _googlenet_regressions()[1]
    net = student.build("GoogLeNet", case=case, **case.kwargs())
    with describing(case):
        if device != "cpu":
            net.to(device)
        check_dropout_rate(net.submodule("dropout"), 0.4, "GoogLeNet.dropout")
        check_dropout_only_where_stated(net, "GoogLeNet", case.x.float(), ["dropout"])
