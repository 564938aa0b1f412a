"""Exact arithmetic on whole arrays, and the one rounding of convention R.

Amounts are fractions: numerator and denominator arrays of Python ints
(numpy object arrays), so that no product of salaries, rates and divisors
can overflow or lose a cent. Nothing is rounded on the way; a daily
allowance is rounded to the cent once, at the end (docs/RULES.md, section 0,
convention R), half up by default or truncated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Re-exported (the "as" says so to mypy): callers of cents() import it from here.
from bascule.engines.reference.conventions import Rounding as Rounding


def whole(values: object) -> np.ndarray:
    """Python ints in an object array: exact whatever their size."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(object)  # numpy's own conversion: exact, and a C loop
    if array.dtype.kind == "O":
        try:  # Python ints that fit in 64 bits (every amount of a dossier) go through numpy's C loop
            return array.astype(np.int64).astype(object)
        except (OverflowError, TypeError):
            pass
    return np.array([int(v) for v in array.ravel()], dtype=object).reshape(array.shape)


@dataclass(frozen=True)
class Exact:
    """An array of non-negative fractions ``num / den``."""

    num: np.ndarray
    den: np.ndarray

    @classmethod
    def of(cls, num: object, den: object = 1) -> Exact:
        num = whole(num)
        return cls(num, np.broadcast_to(whole(den), num.shape).copy())

    def __mul__(self, other: Exact) -> Exact:
        return Exact(self.num * other.num, self.den * other.den)

    def __truediv__(self, other: Exact) -> Exact:
        return Exact(self.num * other.den, self.den * other.num)

    def __add__(self, other: Exact) -> Exact:
        return Exact(self.num * other.den + other.num * self.den, self.den * other.den)

    # The results are annotated: numpy's stubs type arithmetic and comparisons of untyped arrays Any.
    def __le__(self, other: Exact) -> np.ndarray:
        below: np.ndarray = self.num * other.den <= other.num * self.den
        return below.astype(bool)

    def __lt__(self, other: Exact) -> np.ndarray:
        below: np.ndarray = self.num * other.den < other.num * self.den
        return below.astype(bool)

    def complement(self) -> Exact:
        """1 − this value (a share)."""
        return Exact(self.den - self.num, self.den)

    def where(self, condition: np.ndarray, other: Exact) -> Exact:
        """This value where ``condition``, ``other`` elsewhere."""
        return Exact(np.where(condition, self.num, other.num), np.where(condition, self.den, other.den))

    def cents(self, rounding: Rounding = Rounding.HALF_UP) -> np.ndarray:
        """The amount in whole cents (the values are amounts in cents), rounded once."""
        quotient: np.ndarray
        if rounding is Rounding.TRUNCATE:
            quotient = self.num // self.den
        else:
            quotient = (2 * self.num + self.den) // (2 * self.den)
        return quotient.astype(np.int64)


def smallest(a: Exact, b: Exact) -> Exact:
    return a.where(a <= b, b)


def largest(a: Exact, b: Exact) -> Exact:
    return b.where(a <= b, a)
