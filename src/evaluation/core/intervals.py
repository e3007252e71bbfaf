"""Closed-interval arithmetic for figures known only to their written precision or qualifier."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[low, high]`` (bounds may be infinite).

    Notes
    -----
    Arithmetic is the standard interval extension: for ``x = [a, b]`` and ``y = [c, d]``,
    ``x + y = [a + c, b + d]``, ``x - y = [a - d, b - c]``,
    ``x * y = [min(P), max(P)]`` with ``P = {ac, ad, bc, bd}``, and
    ``x / y = [min(Q), max(Q)]`` with ``Q = {a/c, a/d, b/c, b/d}`` when ``0`` is not in ``y``
    (quotients computed directly, so rounding matches a point division; an undefined
    ``inf/inf`` corner is skipped: the other corners bound the range). The result contains
    every value the operation can take for operands in the intervals (containment).
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        if math.isnan(self.low) or math.isnan(self.high):
            raise ValueError(f"interval bounds must not be NaN: [{self.low}, {self.high}]")
        if self.low > self.high:
            raise ValueError(f"interval low {self.low} exceeds high {self.high}")

    @classmethod
    def point(cls, value: float) -> Interval:
        """The degenerate interval ``[value, value]``."""
        return cls(float(value), float(value))

    @property
    def mid(self) -> float:
        """Midpoint (the finite bound when the other is infinite)."""
        if math.isinf(self.low) and math.isinf(self.high):
            return 0.0
        if math.isinf(self.high):
            return self.low
        if math.isinf(self.low):
            return self.high
        return (self.low + self.high) / 2

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def contains(self, value: float | Interval) -> bool:
        """Whether ``value`` (a number or interval) lies inside."""
        if isinstance(value, Interval):
            return self.low <= value.low and value.high <= self.high
        return self.low <= value <= self.high

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share at least one point."""
        return self.low <= other.high and other.low <= self.high

    def distance(self, other: Interval) -> float:
        """Gap between the intervals (0 when they overlap)."""
        if self.overlaps(other):
            return 0.0
        return other.low - self.high if self.high < other.low else self.low - other.high

    def intersect(self, other: Interval) -> Interval | None:
        """The common part, or None."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.low, other.low), min(self.high, other.high))

    @staticmethod
    def _coerce(other: float | Interval) -> Interval:
        return other if isinstance(other, Interval) else Interval.point(other)

    def __add__(self, other: float | Interval) -> Interval:
        o = self._coerce(other)
        return Interval(self.low + o.low, self.high + o.high)

    __radd__ = __add__

    def __neg__(self) -> Interval:
        return Interval(-self.high, -self.low)

    def __sub__(self, other: float | Interval) -> Interval:
        return self + (-self._coerce(other))

    def __rsub__(self, other: float | Interval) -> Interval:
        return self._coerce(other) - self

    def __mul__(self, other: float | Interval) -> Interval:
        o = self._coerce(other)
        products = [_mul(a, b) for a in (self.low, self.high) for b in (o.low, o.high)]
        return Interval(min(products), max(products))

    __rmul__ = __mul__

    def reciprocal(self) -> Interval:
        """``1 / self``; raises ValueError when the interval contains zero."""
        if self.low <= 0 <= self.high:
            raise ValueError(f"cannot divide by an interval containing zero: {self}")
        return Interval(1 / self.high, 1 / self.low)

    def __truediv__(self, other: float | Interval) -> Interval:
        divisor = self._coerce(other)
        if divisor.low <= 0 <= divisor.high:
            raise ValueError(f"cannot divide by an interval containing zero: {divisor}")
        quotients = [q for a in (self.low, self.high) for b in (divisor.low, divisor.high)
                     if not math.isnan(q := a / b)]
        return Interval(min(quotients), max(quotients))

    def __rtruediv__(self, other: float | Interval) -> Interval:
        return self._coerce(other) / self

    def __str__(self) -> str:
        if self.low == self.high:
            return f"{self.low:g}"
        return f"[{self.low:g}, {self.high:g}]"


def _mul(a: float, b: float) -> float:
    """Product with the interval convention ``0 * inf = 0``."""
    if a == 0 or b == 0:
        return 0.0
    return a * b
