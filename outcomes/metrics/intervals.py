"""95% confidence intervals for the figures the dashboards show: the Wilson score interval for
a proportion (a percentage, or a rate per 1,000 read as a proportion of the population) and
the t interval for a mean. Standard library only."""

from __future__ import annotations

import math
from statistics import NormalDist

LEVEL = 0.95
Z = NormalDist().inv_cdf(1 - (1 - LEVEL) / 2)  # 1.959964…

# Two-sided 95% critical values of Student's t by degrees of freedom. Between two listed
# degrees of freedom the smaller is used, which gives a slightly wider (safe) interval.
T_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


def wilson(successes: int, trials: int) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` out of ``trials``, as proportions (0 to 1);
    None when there are no trials."""
    if trials <= 0 or not 0 <= successes <= trials:
        return None
    p = successes / trials
    z2 = Z * Z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = Z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # Clamped: at 0 or all successes the bound is exactly 0 or 1, not a rounding error away.
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion_interval(
    successes: int, trials: int, *, per: float = 100
) -> tuple[float, float] | None:
    """The Wilson interval scaled to a percentage (``per`` 100) or a rate (``per`` 1,000)."""
    bounds = wilson(successes, trials)
    return None if bounds is None else (bounds[0] * per, bounds[1] * per)


def t_critical(df: int) -> float:
    if df < 1:
        raise ValueError("a t interval needs at least two observations")
    listed = [d for d in T_975 if d <= df]
    return T_975[max(listed)] if df <= 120 else Z


def mean_interval(mean: float, sd: float, n: int) -> tuple[float, float] | None:
    """t interval for a mean of ``n`` values with sample standard deviation ``sd``; None for
    fewer than two values."""
    if n < 2:
        return None
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half


def sample_sd(total: float, squares: float, n: int) -> float | None:
    """The sample standard deviation (divisor n − 1) of ``n`` values from their sum and sum
    of squares; None for fewer than two values. A tiny negative variance from floating-point
    cancellation (all values equal) counts as 0."""
    if n < 2:
        return None
    variance = (squares - total * total / n) / (n - 1)
    return math.sqrt(max(variance, 0.0))
