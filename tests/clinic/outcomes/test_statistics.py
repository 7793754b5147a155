"""The interval maths behind analytics, against values worked by hand (and R/SciPy tables)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.outcomes.statistics import (
    bounded_mean_interval,
    mean_interval,
    normal_quantile,
    t_cdf,
    t_quantile,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (29, 2.0452), (120, 1.9799)],
)
def test_t_quantile_matches_the_printed_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def test_z_is_1_96() -> None:
    assert normal_quantile(0.975) == pytest.approx(1.959964, abs=1e-6)


def test_mean_interval_by_hand() -> None:
    # x = 2, 4, 4, 5, 5: mean 4, s² = (4+0+0+1+1)/4 = 1.5, se = √(1.5/5) = 0.547723,
    # t(0.975, 4) = 2.776445 → half-width 1.520722.
    xs = [2, 4, 4, 5, 5]
    i = mean_interval(len(xs), sum(xs), sum(x * x for x in xs))
    assert i is not None
    assert i.estimate == 4
    assert i.low == pytest.approx(4 - 1.520722, abs=1e-5)
    assert i.high == pytest.approx(4 + 1.520722, abs=1e-5)
    assert i.few and i.excludes_zero


def test_mean_interval_edges() -> None:
    assert mean_interval(0, 0, 0) is None
    one = mean_interval(1, 3, 9)
    assert one is not None and (one.low, one.high) == (3, 3)
    same = mean_interval(12, 24, 48)  # twelve 2s: no spread
    assert same is not None and same.low == same.high == 2 and not same.few


def test_wilson_by_hand() -> None:
    # 2 of 10, z = 1.959964: centre (0.2 + 0.192073)/1.384146 = 0.283261,
    # half = 1.959964·√(0.016 + 0.009604)/1.384146 = 0.226579 → 0.056682 to 0.509838.
    i = wilson_interval(2, 10)
    assert i is not None
    assert i.low == pytest.approx(0.056682, abs=1e-6)
    assert i.high == pytest.approx(0.509838, abs=1e-6)


def test_wilson_at_zero_and_all() -> None:
    zero = wilson_interval(0, 20)
    assert zero is not None and zero.low == 0 and zero.high == pytest.approx(0.161125, abs=1e-6)
    full = wilson_interval(20, 20)
    assert full is not None and full.high == 1 and full.low == pytest.approx(1 - 0.161125, abs=1e-6)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_contains_the_estimate_within_0_1(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    i = wilson_interval(k, n)
    assert i is not None
    assert 0 <= i.low <= i.estimate <= i.high <= 1


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=1, max_value=200))
def test_wilson_narrows_with_more_data(k: int, extra: int) -> None:
    n = k + extra
    small, big = wilson_interval(k, n), wilson_interval(4 * k, 4 * n)
    assert small is not None and big is not None
    assert big.high - big.low < small.high - small.low


@given(st.lists(st.integers(min_value=-20, max_value=84), min_size=2, max_size=60))
def test_mean_interval_is_centred_and_contains_the_mean(xs: list[int]) -> None:
    i = mean_interval(len(xs), sum(xs), sum(x * x for x in xs))
    assert i is not None
    assert i.low <= i.estimate <= i.high
    assert (i.low + i.high) / 2 == pytest.approx(sum(xs) / len(xs), abs=1e-9)


@given(st.floats(min_value=-30, max_value=30), st.integers(min_value=1, max_value=500))
def test_t_cdf_is_symmetric_and_the_quantile_inverts_it(t: float, df: int) -> None:
    assert t_cdf(t, df) + t_cdf(-t, df) == pytest.approx(1.0, abs=1e-9)
    p = t_cdf(t, df)
    if 1e-6 < p < 1 - 1e-6:
        assert t_quantile(p, df) == pytest.approx(t, abs=1e-6 * max(1.0, abs(t)))


@given(st.integers(min_value=2, max_value=1000))
def test_t_is_wider_than_normal_and_tends_to_it(df: int) -> None:
    t = t_quantile(0.975, df)
    assert t > 1.959963
    assert t - 1.959964 < 12.71 / math.sqrt(df)


# --- bounded scales (issue 18: a satisfaction interval of 4.67 to 5.13 on a 1–5 scale) ----------


def _sums(xs: list[float]) -> tuple[int, float, float]:
    return len(xs), float(sum(xs)), float(sum(x * x for x in xs))


def test_bounded_interval_stays_on_the_scale_where_student_t_does_not() -> None:
    xs = [5] * 9 + [4]
    t = mean_interval(*_sums(xs))
    assert t is not None and t.high > 5  # the defect: past the top of the scale
    i = bounded_mean_interval(*_sums(xs), 1, 5)
    assert i is not None and 1 <= i.low < 4.9 < i.high <= 5 and i.estimate == pytest.approx(4.9)


def test_bounded_interval_is_student_t_near_the_middle() -> None:
    xs = [3, 4, 2, 5, 3, 4, 3, 2, 4, 3] * 3
    t, i = mean_interval(*_sums(xs)), bounded_mean_interval(*_sums(xs), 1, 5)
    assert t is not None and i is not None
    assert i.low == pytest.approx(t.low, abs=0.02) and i.high == pytest.approx(t.high, abs=0.02)


def test_bounded_interval_edges() -> None:
    assert bounded_mean_interval(0, 0, 0, 1, 5) is None
    one = bounded_mean_interval(1, 4, 16, 1, 5)
    assert one is not None and (one.estimate, one.low, one.high) == (4, 1, 5)  # one value: no spread known
    same = bounded_mean_interval(*_sums([3] * 12), 1, 5)
    assert same is not None and same.low == same.high == 3
    top = bounded_mean_interval(*_sums([5] * 10), 1, 5)  # all at an end: the widest spread allowed
    assert top is not None and top.high == 5 and 3 < top.low < 5
    with pytest.raises(ValueError):
        bounded_mean_interval(3, 3, 3, 5, 5)


@given(
    st.integers(-100, 100),
    st.integers(1, 200),
    st.data(),
)
def test_bounded_interval_inside_the_scale_and_around_the_mean(
    lo: int, span: int, data: st.DataObject
) -> None:
    hi = lo + span
    xs = data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=300))
    i = bounded_mean_interval(*_sums(xs), lo, hi)
    assert i is not None and i.n == len(xs)
    assert lo <= i.low <= i.estimate <= i.high <= hi
    assert i.estimate == pytest.approx(sum(xs) / len(xs), abs=1e-9 * max(1, abs(lo), abs(hi)))


@given(
    st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=200),
    st.sampled_from([0.8, 0.95, 0.99]),
)
def test_bounded_interval_on_real_values(xs: list[float], confidence: float) -> None:
    i = bounded_mean_interval(*_sums(xs), 0.0, 1.0, confidence)
    assert i is not None and 0.0 <= i.low <= i.estimate <= i.high <= 1.0


def test_bounded_interval_keeps_its_coverage_near_the_top_of_a_scale() -> None:
    """Seeded simulation: satisfaction mostly 5s (mean 4.83), ten clients per group. The
    bounded interval covers the true mean about 95 % of the time; Student-t only about 80 %."""
    import random

    rng = random.Random(18)
    levels, weights = [1, 2, 3, 4, 5], [0, 0, 0.02, 0.13, 0.85]
    mu = sum(v * w for v, w in zip(levels, weights, strict=True))
    runs, bounded, student = 1500, 0, 0
    for _ in range(runs):
        sums = _sums(rng.choices(levels, weights, k=10))
        b, t = bounded_mean_interval(*sums, 1, 5), mean_interval(*sums)
        assert b is not None and t is not None
        bounded += b.low <= mu <= b.high
        student += t.low <= mu <= t.high
    assert bounded / runs >= 0.93
    assert student / runs < 0.9
