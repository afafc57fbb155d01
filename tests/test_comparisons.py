"""``harness.all_close`` answers exactly what ``np.allclose(..., equal_nan=True)`` answers.

Every value a grade compares goes through it; its shortcut (one subtraction when every difference
is within atol) must never turn a mismatch into a pass: NaN, infinities, overflowing differences,
differences just over atol that rtol still admits, float32 against float64 tolerances.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograder.grading.harness import all_close

_SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308, 5e-324])
_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), _SPECIAL)


@st.composite
def _pairs(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    with np.errstate(all="ignore"):  # a float64 past float32's range becomes inf, as intended
        want = draw(hnp.arrays(np.float64, shape, elements=_VALUES)).astype(dtype)
    # Nudges of every size around the tolerances, and sometimes a special value put in.
    nudge = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(
        [0.0, 1e-12, -1e-9, 1e-8, 2e-8, -1e-6, 1e-4, 1.0, np.nan, np.inf])))
    with np.errstate(all="ignore"):
        got = (want.astype(np.float64) + nudge * draw(st.sampled_from([1.0, 0.5, 3.0]))).astype(dtype)
    return got, want


@st.composite
def _around_atol(draw):
    """Differences of 0.5 to 2 atol from values near zero, where rtol admits almost nothing."""
    atol = draw(st.sampled_from([1e-8, 1e-6, 1e-5]))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6))
    want = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1e-9, -1e-7])))
    factor = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 0.5, 0.99, 1.01, 1.5, 2.0])))
    return (want + factor * atol * draw(st.sampled_from([1.0, -1.0])), want), atol


@settings(max_examples=400, deadline=None)
@given(pair=_pairs(), atol=st.sampled_from([1e-8, 1e-6, 1e-5, 0.0, 1e300, np.inf]),
       rtol=st.sampled_from([1e-7, 1e-5, 1e-4, 0.0, np.inf]))
def test_all_close_is_np_allclose(pair, atol, rtol):
    got, want = pair
    with np.errstate(all="ignore"):
        expected = bool(np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True))
        assert all_close(got, want, atol=atol, rtol=rtol) is expected


@settings(max_examples=300, deadline=None)
@given(drawn=_around_atol(), rtol=st.sampled_from([1e-7, 0.0]))
def test_all_close_is_np_allclose_around_atol(drawn, rtol):
    (got, want), atol = drawn
    with np.errstate(all="ignore"):
        expected = bool(np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True))
        assert all_close(got, want, atol=atol, rtol=rtol) is expected


def test_the_shortcut_never_passes_a_nan_or_an_infinity_where_a_number_was_expected():
    want = np.zeros(10_000)
    for bad in (np.nan, np.inf, -np.inf):
        got = want.copy()
        got[4_321] = bad
        assert all_close(got, want, atol=1e-8, rtol=1e-7) is False
    both = np.full(3, np.inf)
    assert all_close(both, both, atol=1e-8, rtol=1e-7) is True  # as np.allclose: inf equals inf
    nan = np.array([np.nan, 1.0])
    assert all_close(nan, nan, atol=1e-8, rtol=1e-7) is True  # equal_nan


def test_an_infinite_atol_does_not_pass_a_number_where_infinity_was_expected():
    """The red team's route: check_forward_composes scales atol by the student's own logits, which
    weights of 1e38 make infinite (or, in float32, a finite atol past float32's range); np.allclose
    still tells a number from an infinity. Also an infinite rtol (inf * 0 is NaN to np.allclose)."""
    want = np.array([np.inf, -np.inf, 1.0], dtype=np.float32)
    got = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    assert all_close(got, want, atol=np.inf, rtol=1e-4) is False
    assert all_close(got, want, atol=float(np.float32(1e38)) * 1e-4 * 1e10, rtol=1e-4) is False
    assert all_close(want, want, atol=np.inf, rtol=1e-4) is True
    with np.errstate(invalid="ignore"):
        assert all_close(np.array([1e-12]), np.array([0.0]), atol=1e-8, rtol=np.inf) is False


def test_a_difference_over_atol_that_rtol_admits_still_passes():
    want = np.full(5, 1e6)
    assert all_close(want + 1e-3, want, atol=1e-8, rtol=1e-7) is True  # 1e-3 <= 1e-8 + 0.1
    assert all_close(want + 1.0, want, atol=1e-8, rtol=1e-7) is False
    assert all_close(np.full(4, 1.2e-8), np.zeros(4), atol=1e-8, rtol=1e-7) is False  # just over atol at 0
