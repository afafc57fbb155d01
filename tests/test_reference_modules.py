"""The reference modules of "architectures" and "segmentation" follow issue 2's contract
(attribute names, shapes, parameter counts, the ResNet-18 and U-Net geometry), and every
solutions module is written the way the notebook generator needs it (one top-level definition
per part, nbgrader markers, only the notebook's fixed imports).
"""
import ast
import inspect
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings

from autograder import strategies as st
from autograder.config import load_course
from autograder.content.reference import part_sources
from solutions import architectures as arch
from solutions import segmentation as seg

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
few = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
very_few = settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def build(module, case):
    """The reference module of ``case`` in the dtype of its input (float64 or float32), with fixed
    initial weights."""
    torch.manual_seed(0)
    return getattr(module, case.module)(*case.args(), **case.kwargs()).to(case.x.dtype)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


# --- InceptionBlock ----------------------------------------------------------------------------------

@few
@given(case=st.inception_block_cases())
def test_inception_block_concatenates_four_branches(case):
    block = build(arch, case)
    out = block(case.x)
    init = case.kwargs()
    n, _, h, w = case.x.shape
    assert out.shape == (n, init["c1"] + init["c2"][1] + init["c3"][1] + init["c4"], h, w)
    # Branch 1 comes first on the channel axis and is relu(b1_1(x)).
    torch.testing.assert_close(out[:, : init["c1"]], F.relu(block.b1_1(case.x)))


def test_inception_block_branch_layout():
    block = arch.InceptionBlock(3, 4, (2, 5), (1, 6), 7)
    expected = {  # name: (kind, in, out, kernel, padding)
        "b1_1": (3, 4, 1, 0), "b2_1": (3, 2, 1, 0), "b2_2": (2, 5, 3, 1),
        "b3_1": (3, 1, 1, 0), "b3_2": (1, 6, 5, 2), "b4_2": (3, 7, 1, 0),
    }
    for name, (c_in, c_out, k, p) in expected.items():
        conv = getattr(block, name)
        assert isinstance(conv, nn.Conv2d) and conv.bias is not None, name
        assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding) == (c_in, c_out, (k, k), (p, p)), name
    pool = block.b4_1
    assert isinstance(pool, nn.MaxPool2d) and (pool.kernel_size, pool.stride, pool.padding) == (3, 1, 1)


# --- ResidualBlock -----------------------------------------------------------------------------------

@pytest.mark.parametrize("in_channels, out_channels, stride, has_downsample", [
    (4, 4, 1, False), (4, 8, 1, True), (4, 4, 2, True), (3, 8, 2, True),
])
def test_residual_block_downsample_rule(in_channels, out_channels, stride, has_downsample):
    block = arch.ResidualBlock(in_channels, out_channels, stride)
    assert (block.downsample is not None) == has_downsample
    assert block.conv1.stride == (stride, stride) and block.conv1.bias is None and block.conv2.bias is None
    if has_downsample:
        conv, bn = block.downsample
        assert conv.kernel_size == (1, 1) and conv.stride == (stride, stride) and conv.bias is None
        assert isinstance(bn, nn.BatchNorm2d) and bn.num_features == out_channels


@few
@given(case=st.residual_block_cases())
def test_residual_block_is_relu_of_residual_plus_shortcut(case):
    block = build(arch, case)
    for mode in (block.eval, block.train):
        mode()
        x = case.x
        shortcut = x if block.downsample is None else block.downsample(x)
        residual = block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x)))))
        expected = F.relu(residual + shortcut)
        torch.testing.assert_close(block(x), expected)
        assert block(x).shape[-2:] == ((x.shape[2] - 1) // case.kwargs()["stride"] + 1,
                                       (x.shape[3] - 1) // case.kwargs()["stride"] + 1)


def test_residual_block_passes_the_input_through_when_the_residual_is_zero():
    # With bn2 zeroed the residual branch outputs 0: the block must return relu(x) (the skip).
    block = arch.ResidualBlock(3, 3).double().eval()
    nn.init.zeros_(block.bn2.weight)
    x = st.random_tensor((2, 3, 5, 4), seed=1)
    torch.testing.assert_close(block(x), F.relu(x))


# --- LeNet -------------------------------------------------------------------------------------------

@few
@given(case=st.lenet_cases())
def test_lenet_returns_logits(case):
    out = build(arch, case)(case.x)
    assert out.shape == (case.x.shape[0], case.kwargs()["num_classes"])


def test_lenet_layers_follow_the_lecture():
    net = arch.LeNet()
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in (net.conv1, net.conv2)] == [
        (1, 6, (5, 5), (2, 2)), (6, 16, (5, 5), (2, 2))]
    assert [(f.in_features, f.out_features) for f in (net.fc1, net.fc2, net.fc3)] == [(784, 120), (120, 84), (84, 10)]
    # conv: k*k*in*out + out; dense: in*out + out.
    expected = (25 * 1 * 6 + 6) + (25 * 6 * 16 + 16) + (784 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert n_params(net) == expected


# --- ResNet18 ----------------------------------------------------------------------------------------

def torchvision_resnet18_keys():
    """resnet18's state_dict keys, written from the architecture rules (torchvision's layout)."""
    def batch_norm(prefix):
        return [f"{prefix}.{k}" for k in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")]

    keys = ["conv1.weight", *batch_norm("bn1")]
    for stage in range(1, 5):
        for block in range(2):
            prefix = f"layer{stage}.{block}"
            keys += [f"{prefix}.conv1.weight", *batch_norm(f"{prefix}.bn1"),
                     f"{prefix}.conv2.weight", *batch_norm(f"{prefix}.bn2")]
            if stage > 1 and block == 0:  # the first block of layers 2-4 halves the size
                keys += [f"{prefix}.downsample.0.weight", *batch_norm(f"{prefix}.downsample.1")]
    return keys + ["fc.weight", "fc.bias"]


def test_resnet18_has_the_published_parameter_count_and_torchvision_keys():
    net = arch.ResNet18()
    assert n_params(net) == 11_689_512
    expected = torchvision_resnet18_keys()
    assert len(expected) == 122
    assert list(net.state_dict()) == expected


def test_resnet18_is_built_from_residual_blocks():
    net = arch.ResNet18(num_classes=3, in_channels=1)
    blocks = [m for m in net.modules() if isinstance(m, arch.ResidualBlock)]
    assert len(blocks) == 8
    assert net.conv1.in_channels == 1 and net.fc.out_features == 3


@very_few
@given(case=st.resnet18_cases())
def test_resnet18_classifies_small_inputs_in_both_modes(case):
    net = build(arch, case)
    for mode in (net.train, net.eval):
        mode()
        assert net(case.x).shape == (case.x.shape[0], case.kwargs()["num_classes"])


# --- conv_output_size, AlexNet, VGG16, GoogLeNet ---------------------------------------------------

@few
@given(case=st.conv_output_size_cases())
def test_conv_output_size_is_the_shape_torch_gives(case):
    def pair(v):
        return v if isinstance(v, tuple) else (v, v)

    got = arch.conv_output_size(*case.args(), **case.kwargs())
    x = torch.empty(1, 1, *pair(case.size), device="meta")
    w = torch.empty(1, 1, *pair(case.kernel_size), device="meta")
    shape = tuple(F.conv2d(x, w, stride=case.stride, padding=case.padding, dilation=case.dilation).shape[-2:])
    assert pair(got) == shape
    assert isinstance(got, tuple) == any(isinstance(a, tuple) for a in (*case.args(), *case.kwargs().values()))


def test_conv_output_size_refuses_impossible_layers():
    for case in st.invalid_output_size_cases():
        with pytest.raises(ValueError):
            arch.conv_output_size(*case.args(), **case.kwargs())


def _on_meta(factory, **init):
    with torch.device("meta"):
        return factory(**init)


def test_alexnet_and_vgg16_have_torchvision_sizes_and_keys():
    alexnet, vgg = _on_meta(arch.AlexNet), _on_meta(arch.vgg16)
    assert n_params(alexnet) == 61_100_840 and n_params(vgg) == 138_357_544
    convs = [0, 3, 6, 8, 10]
    assert list(alexnet.state_dict()) == [f"features.{i}.{k}" for i in convs for k in ("weight", "bias")] + [
        f"classifier.{i}.{k}" for i in (1, 4, 6) for k in ("weight", "bias")]
    # Configuration D: a conv + ReLU per number, one layer per 'M'; torchvision's indices follow.
    vgg_convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
    assert list(vgg.state_dict()) == [f"features.{i}.{k}" for i in vgg_convs for k in ("weight", "bias")] + [
        f"classifier.{i}.{k}" for i in (0, 3, 6) for k in ("weight", "bias")]
    x = torch.empty(1, 3, 224, 224, device="meta")
    assert alexnet.features(x).shape == (1, 256, 6, 6) and alexnet(x).shape == (1, 1000)
    assert vgg.features(x).shape == (1, 512, 7, 7) and vgg(x).shape == (1, 1000)
    assert sum(isinstance(m, nn.Dropout) and m.p == 0.5 for m in vgg.classifier) == 2


#: torchvision's googlenet(aux_logits=False, init_weights=False) (the documented num_params).
TORCHVISION_GOOGLENET = 6_624_904


def test_googlenet_differs_from_torchvision_exactly_by_batch_norm_and_the_3x3_branch():
    net = _on_meta(arch.GoogLeNet)
    blocks = [m for m in net.modules() if isinstance(m, arch.InceptionBlock)]
    assert len(blocks) == 9 and n_params(net) == 6_998_552
    # torchvision: BatchNorm (2 per channel) after every convolution, which loses its bias (1 per
    # channel); and a 3x3 where the paper's table has the 5x5 (16 fewer weights per channel pair).
    convolutions = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    batch_norm = sum(c.out_channels for c in convolutions)
    five_by_five = sum(16 * b.b3_2.in_channels * b.b3_2.out_channels for b in blocks)
    assert n_params(net) - TORCHVISION_GOOGLENET == five_by_five - batch_norm == 373_648
    sizes = [b(torch.empty(1, b.b1_1.in_channels, 7, 7, device="meta")).shape[1] for b in blocks]
    assert sizes == [256, 480, 512, 512, 512, 528, 832, 832, 1024]


@very_few
@given(case=st.googlenet_cases())
def test_googlenet_classifies_inputs_of_any_size(case):
    net = build(arch, case).eval()
    with torch.no_grad():
        assert net(case.x).shape == (case.x.shape[0], case.kwargs()["num_classes"])


# --- center_crop and DoubleConv ------------------------------------------------------------------

@few
@given(case=st.center_crop_cases())
def test_center_crop_takes_the_centre(case):
    got = seg.center_crop(*case.args())
    h, w = (case.size, case.size) if isinstance(case.size, int) else case.size
    top, left = (case.x.shape[2] - h) // 2, (case.x.shape[3] - w) // 2
    assert torch.equal(got, case.x[:, :, top:top + h, left:left + w])


def test_center_crop_accepts_a_shape_and_refuses_growing():
    x = st.random_tensor((1, 2, 6, 5), seed=0)
    assert seg.center_crop(x, torch.zeros(4, 3).shape).shape == (1, 2, 4, 3)
    with pytest.raises(ValueError):
        seg.center_crop(x, (7, 5))


@few
@given(case=st.double_conv_cases())
def test_double_conv_is_two_convolutions_with_relu(case):
    block = build(seg, case)
    assert {name for name, _ in block.named_children()} == {"conv1", "conv2"}
    expected = F.relu(block.conv2(F.relu(block.conv1(case.x))))
    torch.testing.assert_close(block(case.x), expected)
    shrink = 0 if case.kwargs()["padding"] == 1 else 4
    assert block(case.x).shape[-2:] == (case.x.shape[2] - shrink, case.x.shape[3] - shrink)


# --- UNet --------------------------------------------------------------------------------------------

def test_unet_reproduces_the_paper_geometry_without_padding():
    # The width does not change the geometry: base_channels=2 keeps the 572x572 pass fast.
    net = seg.UNet(in_channels=1, num_classes=2, base_channels=2, depth=4, padding=0)
    with torch.no_grad():
        assert net(torch.zeros(1, 1, 572, 572)).shape == (1, 2, 388, 388)


@few
@given(case=st.unet_cases())
def test_unet_keeps_the_size_with_padding_and_shrinks_without(case):
    init = case.kwargs()
    with torch.no_grad():
        out = build(seg, case)(case.x)
    n, _, h, w = case.x.shape
    if init["padding"] == 1:
        assert out.shape == (n, init["num_classes"], h, w)
    else:
        assert out.shape[:2] == (n, init["num_classes"]) and out.shape[2] < h and out.shape[3] < w


def test_unet_module_layout():
    b, depth = 3, 3
    net = seg.UNet(in_channels=2, num_classes=5, base_channels=b, depth=depth)
    widths = [b * 2**level for level in range(depth + 1)]
    assert [(d.conv1.in_channels, d.conv2.out_channels) for d in net.down] == list(zip([2] + widths[:-1], widths))
    assert all(isinstance(d, seg.DoubleConv) for d in [*net.down, *net.up_conv])
    up_pairs = [(widths[depth - i], widths[depth - i - 1]) for i in range(depth)]
    assert [(u.in_channels, u.out_channels, u.kernel_size, u.stride) for u in net.up] == [
        (c_in, c_out, (2, 2), (2, 2)) for c_in, c_out in up_pairs]
    assert [(d.conv1.in_channels, d.conv2.out_channels) for d in net.up_conv] == up_pairs
    assert (net.head.in_channels, net.head.out_channels, net.head.kernel_size) == (b, 5, (1, 1))


def test_unet_uses_center_crop_by_name(monkeypatch):
    # UNet must call the module-level center_crop (the student's own), not a private copy.
    calls = []
    original = seg.center_crop
    monkeypatch.setattr(seg, "center_crop", lambda x, size: calls.append(size) or original(x, size))
    with torch.no_grad():
        seg.UNet(base_channels=1, depth=2)(torch.zeros(1, 1, 8, 8))
    assert len(calls) == 2


# --- signatures and the source format the notebook generator relies on -------------------------------

@pytest.mark.parametrize("obj, signature", [
    (arch.conv_output_size, "(size, kernel_size, stride=1, padding=0, dilation=1)"),
    (arch.AlexNet, "(num_classes=1000)"),
    (arch.vgg16, "(num_classes=1000)"),
    (arch.GoogLeNet, "(num_classes=1000)"),
    (arch.InceptionBlock, "(in_channels, c1, c2, c3, c4)"),
    (arch.ResidualBlock, "(in_channels, out_channels, stride=1)"),
    (arch.LeNet, "(num_classes=10)"),
    (arch.ResNet18, "(num_classes=1000, in_channels=3)"),
    (seg.center_crop, "(x, size)"),
    (seg.DoubleConv, "(in_channels, out_channels, padding=1)"),
    (seg.UNet, "(in_channels=1, num_classes=2, base_channels=64, depth=4, padding=1)"),
])
def test_signature_is_the_contract(obj, signature):
    assert str(inspect.signature(obj)) == signature


ALLOWED_IMPORTS = {"math", "torch", "torch.nn", "torch.nn.functional"}
FORBIDDEN_IN_CONVOLUTIONS = {"conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d", "Conv2d",
                             "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "ops", "_C", "convolution"}


def _solution_regions(source: str):
    """The lines between ### BEGIN SOLUTION and ### END SOLUTION, per region."""
    regions, current = [], None
    for line in source.splitlines():
        marker = line.strip()
        if marker == "### BEGIN SOLUTION":
            assert current is None, "nested BEGIN SOLUTION"
            current = []
        elif marker == "### END SOLUTION":
            assert current is not None, "END SOLUTION without BEGIN"
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, "BEGIN SOLUTION without END"
    return regions


@pytest.mark.parametrize("assignment", [a.name for a in load_course().assignments])
def test_each_part_is_one_top_level_definition_with_markers(assignment):
    # Cut out exactly as the notebook generator does (autograder/content/reference.py).
    solution_file = SOLUTIONS / f"{assignment}.py"
    parts = list(load_course().assignment(assignment).parts)
    sources = part_sources(solution_file, parts)  # raises on extra definitions or imports
    tree = ast.parse(solution_file.read_text(encoding="utf-8"))
    imported = {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert imported <= ALLOWED_IMPORTS
    for name, text in sources.items():
        node = ast.parse(text).body[0]
        assert ast.get_docstring(node), f"{name} needs a (Spanish) docstring"
        bodies = [m for m in node.body if isinstance(m, ast.FunctionDef)] if isinstance(node, ast.ClassDef) else [node]
        assert len(_solution_regions(text)) == len(bodies), f"{name}: one solution region per body"


def test_convolution_bodies_never_name_torch_own_operations():
    source = (SOLUTIONS / "convolutions.py").read_text(encoding="utf-8")
    for region in _solution_regions(source):
        names = {node.attr for node in ast.walk(ast.parse(_dedent(region))) if isinstance(node, ast.Attribute)}
        assert not names & FORBIDDEN_IN_CONVOLUTIONS


def _dedent(lines):
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)
