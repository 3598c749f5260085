"""Confidence intervals against hand-worked and published values."""

from __future__ import annotations

import math

import pytest

from outcomes.metrics.intervals import (
    Z,
    mean_interval,
    proportion_interval,
    t_critical,
    wilson,
)


def test_z_is_the_normal_975th_percentile():
    assert round(Z, 6) == 1.959964


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # By hand: p = 0.5, z² = 3.8415; centre 0.5; half = 1.96/1.38415 × √(0.025 + 0.0096)
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),  # no successes: the lower bound is exactly 0
        (10, 10, 0.7225, 1.0),
        (1, 20, 0.0089, 0.2361),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval(k, n, low, high):
    got = wilson(k, n)
    assert got is not None
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_by_the_formula():
    k, n, z = 12, 40, Z
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson(k, n) == pytest.approx((centre - half, centre + half))


def test_wilson_without_trials_or_with_impossible_counts():
    assert wilson(0, 0) is None
    assert wilson(3, 2) is None


def test_rate_per_1000_is_a_proportion_of_the_population():
    # 9 reached of 1,000: 9.0 per 1,000, interval from the Wilson interval of 9/1000.
    low, high = proportion_interval(9, 1000, per=1000)
    assert (round(low, 1), round(high, 1)) == (4.7, 17.0)
    assert proportion_interval(5, 10) == pytest.approx((23.66, 76.34), abs=0.005)


@pytest.mark.parametrize(
    ("df", "t"), [(1, 12.706), (9, 2.262), (30, 2.042), (45, 2.021), (119, 2.000), (500, Z)]
)
def test_t_critical_values(df, t):
    assert t_critical(df) == pytest.approx(t)


def test_mean_interval_by_hand():
    # Values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd √(32/7) = 2.138; t(7) = 2.365;
    # half-width 2.365 × 2.138 / √8 = 1.788.
    sd = math.sqrt(32 / 7)
    low, high = mean_interval(5.0, sd, 8)
    assert (round(low, 3), round(high, 3)) == (3.212, 6.788)
    assert mean_interval(5.0, 1.0, 1) is None
    with pytest.raises(ValueError):
        t_critical(0)
