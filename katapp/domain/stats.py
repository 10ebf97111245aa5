"""Small statistics for reporting a clinic's outcomes the way a paper does: proportions with a
95 % Wilson score interval (Wilson 1927; recommended over the normal "Wald" interval for small n
by Brown, Cai & DasGupta 2001), and medians.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist, median

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963..., the two-sided 95 % normal quantile


def wilson_interval(count: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Return the (low, high) Wilson score interval for `count` successes out of `n`, as fractions.

    Raises ValueError when n < 1 or count is outside 0..n (no interval for nobody).
    """
    if n < 1 or not 0 <= count <= n:
        raise ValueError("wilson_interval needs 0 <= count <= n and n >= 1")
    p = count / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Clamp rounding residue so 0/n starts at exactly 0 and n/n ends at exactly 1.
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    """`count` of `n`, as a percentage with its 95 % Wilson interval (all None when n is 0)."""

    count: int
    n: int

    @property
    def pct(self) -> float | None:
        return self.count / self.n * 100 if self.n else None

    @property
    def ci_pct(self) -> tuple[float, float] | None:
        if not self.n:
            return None
        low, high = wilson_interval(self.count, self.n)
        return low * 100, high * 100


def median_or_none(values: Sequence[float]) -> float | None:
    """Return the median of `values`, or None when there are none."""
    return median(values) if values else None
