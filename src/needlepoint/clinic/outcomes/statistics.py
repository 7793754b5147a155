"""Confidence intervals for practice analytics. Pure Python: no Django, no SciPy.

- Means: Student-t interval from sufficient statistics (n, Σx, Σx²), so the database can
  aggregate 100 k rows and only three numbers cross into Python. The t quantile is found by
  bisection on the t CDF, computed through the regularized incomplete beta function
  (Lentz's continued fraction, as in Numerical Recipes §6.4).
- Proportions: Wilson score interval (Wilson 1927), which stays inside [0, 1] and behaves at
  0 % and 100 %, unlike the Wald interval.
- Means of bounded scales (satisfaction 1–5, improvements on a scale): ``bounded_mean_interval``,
  a Wilson-type score interval on the scale rescaled to [0, 1] with the observed spread
  (quasi-binomial): it never leaves the scale, always contains the mean, and near the middle of
  the scale it is the Student-t interval. The Student-t interval can run past the ends of a
  scale (4.9 ± 0.3 on a 1–5 scale), which no mean can reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

# Below this many observations an estimate is shown but flagged "too few to tell".
MIN_N = 10


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float
    n: int

    @property
    def few(self) -> bool:
        return self.n < MIN_N

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def _betacf(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * betainc(df / 2.0, 0.5, x)
    return 1.0 - tail if t >= 0 else tail


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The t value with P(T ≤ t) = p, by bisection on the monotone CDF (cached: analytics asks
    for the same few (p, df) pairs over and over)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    while hi - lo > 1e-12 * hi:
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def mean_interval(n: int, total: float, total_sq: float, confidence: float = 0.95) -> Interval | None:
    """Student-t CI of a mean from n, Σx and Σx². None without data; a point for n = 1."""
    if n <= 0:
        return None
    mean = total / n
    if n == 1:
        return Interval(mean, mean, mean, 1)
    # Sample variance from the sums; clamp the rounding error that can make it slightly negative.
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    half = t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1) * math.sqrt(var / n)
    return Interval(mean, mean - half, mean + half, n)


def bounded_mean_interval(
    n: int, total: float, total_sq: float, lo: float, hi: float, confidence: float = 0.95
) -> Interval | None:
    """CI of the mean of values known to lie in [lo, hi], from n, Σx and Σx².

    On y = (x − lo) / (hi − lo) ∈ [0, 1] the variance of any distribution with mean μ is at most
    μ(1 − μ) (the Bernoulli's), so Var(y) = φ·μ(1 − μ) with a dispersion φ ≤ 1 estimated from the
    data. The interval is the set of μ with (ȳ − μ)² ≤ t²·φ·μ(1 − μ)/n — Wilson's score interval
    with the effective size n/φ and Student's t for z — mapped back to the scale. Every bound is
    in [lo, hi] and the mean is inside. When every value sits at one end (no spread to estimate)
    φ = 1, the widest a bounded variable allows; one value alone says nothing about the spread,
    so its interval is the whole scale.
    """
    if n <= 0:
        return None
    if not hi > lo:
        raise ValueError("the scale's high end must be above its low end")
    width = hi - lo
    mean = min(max(total / n, lo), hi)  # rounding in Σx cannot push the mean off the scale
    if n == 1:
        return Interval(mean, lo, hi, 1)
    p = (mean - lo) / width
    var_y = max((total_sq - n * (total / n) ** 2) / (n - 1), 0.0) / (width * width)
    bernoulli = p * (1.0 - p)
    at_an_end = bernoulli < 1e-12
    phi = 1.0 if at_an_end else var_y / bernoulli
    if phi <= 0.0:
        return Interval(mean, mean, mean, n)  # every value the same, inside the scale
    n_eff = n / phi
    z = t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1)
    z2 = z * z
    denom = 1.0 + z2 / n_eff
    centre = (p + z2 / (2 * n_eff)) / denom
    half = z * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff)) / denom
    low = min(max(0.0, centre - half), p)
    high = max(min(1.0, centre + half), p)
    return Interval(mean, lo + width * low, lo + width * high, n)


@lru_cache(maxsize=64)
def normal_quantile(p: float) -> float:
    """Inverse standard normal CDF by bisection on erf (exact enough for 95 %/99 % z values)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval for a proportion successes / n. None when n = 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    z = normal_quantile(1.0 - (1.0 - confidence) / 2.0)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Exact ends at 0 and n (the formula gives them up to rounding).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p, low, high, n)


def rate(successes: int, n: int) -> float | None:
    return successes / n if n else None
