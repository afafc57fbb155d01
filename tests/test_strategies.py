"""The shared Hypothesis strategies build only valid, small configurations, and reach every
corner the suites rely on (non-square shapes, per-axis arguments, 'same'/'valid', ...).

Coverage is measured by drawing a fixed number of examples (no shrinking) and asserting that
each named feature appeared at least once: a strategy that silently stopped producing, say,
even kernels would make the hidden suites blind to a whole class of bugs.
"""
from collections import Counter

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, Phase, given, settings

from autograder import strategies as st

# torch warns that 'same' with an even kernel copies the input; that case is on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

DRAWS = 150
sample = settings(max_examples=DRAWS, deadline=None, derandomize=True, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))


def draw_features(strategy, features, check=lambda case: None):
    """Count, over DRAWS examples of ``strategy``, how many satisfy each ``features`` predicate."""
    seen = Counter()

    @sample
    @given(case=strategy)
    def collect(case):
        check(case)
        seen.update(name for name, holds in features.items() if holds(case))

    collect()
    return seen


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def not_a_multiple(side, padding, span, stride):
    return (side + 2 * padding - span) % stride != 0


def assert_all_seen(seen, features):
    missing = [name for name in features if seen[name] == 0]
    assert not missing, f"never drawn in {DRAWS} examples: {missing}"


def small(tensor):
    return all(size <= 12 for size in tensor.shape)


# --- function strategies -------------------------------------------------------------------------

def _conv_span(case):
    (kh, kw), (dh, dw) = case.weight.shape[-2:], pair(case.dilation)
    return dh * (kh - 1) + 1, dw * (kw - 1) + 1


def _tensors_of(case):
    return [t for t in (*case.args(), *case.kwargs().values()) if isinstance(t, torch.Tensor)]


#: As torch users pass them: both dtypes, every layout, the boundary sizes (every function strategy).
USER_FEATURES = {
    "float32": lambda c: c.x.dtype == torch.float32,
    "float64": lambda c: c.x.dtype == torch.float64,
    "transposed input": lambda c: st.layout_of(c.x) == "transpuesta",
    "channels-last input": lambda c: st.layout_of(c.x) == "channels_last",
    "sliced input": lambda c: st.layout_of(c.x) == "no contigua",
    "contiguous input": lambda c: c.x.is_contiguous(),
    "batch of one": lambda c: c.x.shape[0] == 1,
    "one channel": lambda c: c.x.shape[1] == 1,
}


def _one_dtype(case):
    assert len({t.dtype for t in _tensors_of(case)}) == 1, "one dtype per case"


CONV2D_FEATURES = {
    **USER_FEATURES,
    "non-contiguous weight": lambda c: not c.weight.is_contiguous(),
    "smallest input the padded kernel fits": lambda c: not isinstance(c.padding, str) and (
        c.x.shape[2] + 2 * pair(c.padding)[0] == _conv_span(c)[0]),
    "non-square input": lambda c: c.x.shape[2] != c.x.shape[3],
    "non-square kernel": lambda c: c.weight.shape[2] != c.weight.shape[3],
    "even kernel": lambda c: c.weight.shape[2] % 2 == 0,
    "N > 1": lambda c: c.x.shape[0] > 1,
    "C_in != C_out, neither 1": lambda c: 1 != c.x.shape[1] != c.weight.shape[0] != 1,
    "bias": lambda c: c.bias is not None,
    "no bias": lambda c: c.bias is None,
    "stride per axis": lambda c: isinstance(c.stride, tuple) and c.stride[0] != c.stride[1],
    "stride as int > 1": lambda c: isinstance(c.stride, int) and c.stride > 1,
    "padding per axis": lambda c: isinstance(c.padding, tuple) and c.padding[0] != c.padding[1],
    "padding 0": lambda c: c.padding in (0, (0, 0)),
    "dilation per axis": lambda c: isinstance(c.dilation, tuple) and c.dilation[0] != c.dilation[1],
    "'valid'": lambda c: c.padding == "valid",
    "'same' with odd total padding": lambda c: c.padding == "same" and (_conv_span(c)[0] - 1) % 2 == 1,
    "stride not dividing H + 2p - k": lambda c: not isinstance(c.padding, str) and not_a_multiple(
        c.x.shape[2], pair(c.padding)[0], _conv_span(c)[0], pair(c.stride)[0]),
}


def test_conv2d_cases_are_valid_small_and_cover_every_corner():
    def check(case):
        assert small(case.x)
        _one_dtype(case)
        assert F.conv2d(*case.args(), **case.kwargs()).numel() > 0

    assert_all_seen(draw_features(st.conv2d_cases(), CONV2D_FEATURES, check), CONV2D_FEATURES)


POOL_FEATURES = {
    **USER_FEATURES,
    "smallest input the window fits": lambda c: c.x.shape[2] + 2 * pair(c.padding)[0] == pair(c.kernel_size)[0],
    "non-square window": lambda c: pair(c.kernel_size)[0] != pair(c.kernel_size)[1],
    "stride None": lambda c: c.stride is None,
    "stride per axis": lambda c: isinstance(c.stride, tuple) and c.stride[0] != c.stride[1],
    "padding > 0": lambda c: max(pair(c.padding)) > 0,
    "padding 0": lambda c: c.padding in (0, (0, 0)),
    "stride not dividing H + 2p - k": lambda c: not_a_multiple(
        c.x.shape[2], pair(c.padding)[0], pair(c.kernel_size)[0], pair(c.stride or c.kernel_size)[0]),
}


def test_max_pool2d_cases_include_negative_inputs_with_padding():
    features = {**POOL_FEATURES,
                "all negative with padding": lambda c: bool((c.x < 0).all()) and max(pair(c.padding)) > 0}

    def check(case):
        assert small(case.x)
        assert F.max_pool2d(*case.args(), **case.kwargs()).numel() > 0

    assert_all_seen(draw_features(st.max_pool2d_cases(), features, check), features)


def test_avg_pool2d_cases_have_padded_windows():
    def check(case):
        assert small(case.x)
        assert F.avg_pool2d(*case.args(), **case.kwargs(), count_include_pad=True).numel() > 0

    assert_all_seen(draw_features(st.avg_pool2d_cases(), POOL_FEATURES, check), POOL_FEATURES)


CONV_TRANSPOSE_FEATURES = {
    **USER_FEATURES,
    "non-contiguous weight": lambda c: not c.weight.is_contiguous(),
    "1x1 input": lambda c: c.x.shape[2] == c.x.shape[3] == 1,
    "non-square kernel": lambda c: c.weight.shape[2] != c.weight.shape[3],
    "even kernel": lambda c: c.weight.shape[2] % 2 == 0,
    "C_in != C_out, neither 1": lambda c: 1 != c.x.shape[1] != c.weight.shape[1] != 1,
    "stride per axis": lambda c: isinstance(c.stride, tuple) and c.stride[0] != c.stride[1],
    "output_padding per axis": lambda c: isinstance(c.output_padding, tuple)
    and c.output_padding[0] != c.output_padding[1],
    "output_padding > 0": lambda c: max(pair(c.output_padding)) > 0,
    "padding beyond k - 1": lambda c: pair(c.padding)[0] > c.weight.shape[2] - 1,
    "bias": lambda c: c.bias is not None,
    "N > 1": lambda c: c.x.shape[0] > 1,
}


def test_conv_transpose2d_cases_keep_output_padding_below_stride():
    def check(case):
        assert all(op < s for op, s in zip(pair(case.output_padding), pair(case.stride)))
        assert F.conv_transpose2d(*case.args(), **case.kwargs()).numel() > 0

    seen = draw_features(st.conv_transpose2d_cases(), CONV_TRANSPOSE_FEATURES, check)
    assert_all_seen(seen, CONV_TRANSPOSE_FEATURES)


# --- module strategies ---------------------------------------------------------------------------

def test_module_cases_cover_both_residual_rules_and_both_unet_paddings():
    residual = draw_features(st.residual_block_cases(), {
        "identity shortcut": lambda c: c.init["stride"] == 1 and c.init["in_channels"] == c.init["out_channels"],
        "downsample by stride": lambda c: c.init["stride"] == 2,
        "downsample by channels": lambda c: c.init["stride"] == 1 and c.init["in_channels"] != c.init["out_channels"],
    }, check=lambda c: c.x.shape[0] * ((c.x.shape[2] - 1) // c.init["stride"] + 1) > 1)
    assert len(residual) == 3
    unet = draw_features(st.unet_cases(), {"padding 0": lambda c: c.init["padding"] == 0,
                                           "padding 1": lambda c: c.init["padding"] == 1,
                                           "non-square": lambda c: c.x.shape[2] != c.x.shape[3]})
    assert len(unet) == 3


def test_center_crop_sizes_fit_the_input():
    def check(case):
        h, w = pair(case.size)
        assert 1 <= h <= case.x.shape[2] and 1 <= w <= case.x.shape[3]

    features = {**USER_FEATURES, "odd margin": lambda c: (c.x.shape[2] - pair(c.size)[0]) % 2 == 1}
    assert_all_seen(draw_features(st.center_crop_cases(), features, check), features)


@pytest.mark.parametrize("depth, padding, bottom, side", [(4, 0, 28, 572), (1, 0, 4, 20), (3, 1, 2, 16)])
def test_unet_valid_side(depth, padding, bottom, side):
    assert st.unet_valid_side(depth, padding, bottom) == side


# --- pieces --------------------------------------------------------------------------------------

def test_random_tensor_is_reproducible_and_can_be_all_negative():
    assert torch.equal(st.random_tensor((2, 3), seed=5), st.random_tensor((2, 3), seed=5))
    assert not torch.equal(st.random_tensor((2, 3), seed=5), st.random_tensor((2, 3), seed=6))
    assert (st.random_tensor((4, 4), seed=5, negative=True) < 0).all()


def test_describe_names_shapes_and_arguments():
    double = torch.float64
    case = st.Conv2dCase(torch.zeros(2, 3, 7, 5, dtype=double), torch.zeros(4, 3, 3, 2, dtype=double), None,
                         stride=(2, 1), padding=(0, 1))
    assert case.describe() == ("x: (2, 3, 7, 5), weight: (4, 3, 3, 2), bias=None, stride=(2, 1), "
                               "padding=(0, 1), dilation=1")
    single = st.Conv2dCase(st.with_layout(torch.zeros(2, 3, 7, 5), "transposed"), torch.zeros(4, 3, 3, 2))
    assert single.describe().startswith("x: (2, 3, 7, 5) float32, transpuesta, weight: (4, 3, 3, 2) float32")
    assert torch.equal(case.with_flipped_kernel().weight, case.weight.flip(-2, -1))
    module = st.ModuleCase("ResidualBlock", {"in_channels": 3, "out_channels": 8, "stride": 2},
                           torch.zeros(2, 3, 6, 5, dtype=double))
    assert module.describe() == "ResidualBlock(in_channels=3, out_channels=8, stride=2), x: (2, 3, 6, 5)"
    assert module.args() == () and module.kwargs()["stride"] == 2


def test_lecture_example_is_what_torch_computes():
    known = st.lecture_transposed_example()
    assert known.expected.flatten().tolist() == [0, 1, 2, 2, 10, 10, 6, 17, 12]
    torch.testing.assert_close(F.conv_transpose2d(*known.case.args(), **known.case.kwargs()), known.expected)


@pytest.mark.parametrize("function", ["conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d"])
def test_invalid_cases_are_refused_by_torch_with_the_listed_exception(function):
    cases = st.invalid_cases(function)
    assert cases
    for case in cases:
        with pytest.raises(Exception) as raised:
            getattr(F, function)(*case.args(), **case.kwargs())
        assert type(raised.value).__name__ == case.raises, (case.describe(), type(raised.value))


@pytest.mark.parametrize("layout", st.LAYOUTS)
def test_layouts_keep_the_values_and_leave_the_tensor_non_contiguous(layout):
    for shape in [(2, 3, 4, 5), (1, 2, 3, 2), (3,)]:
        x = st.random_tensor(shape, 3, dtype=torch.float32)
        y = st.with_layout(x, layout)
        assert torch.equal(x, y) and y.dtype == torch.float32
        assert y.is_contiguous() == (layout == "contiguous"), (layout, shape, y.stride())


def test_module_cases_come_in_both_dtypes_and_layouts():
    for strategy in (st.double_conv_cases(), st.unet_cases(), st.residual_block_cases()):
        features = {"float32": USER_FEATURES["float32"], "float64": USER_FEATURES["float64"],
                    "non-contiguous": lambda c: not c.x.is_contiguous(), "batch of one": USER_FEATURES["batch of one"]}
        assert_all_seen(draw_features(strategy, features), features)
