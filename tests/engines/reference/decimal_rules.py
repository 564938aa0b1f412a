"""An independent, scalar rendering of the rules' formulas (docs/RULES.md) with Python's decimal, for the tests only.

It shares nothing with the engine: its parameters are copied from the
tables of the rules (section 1), its arithmetic is ``decimal`` at 60
digits, one value at a time, rounded once at the end.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, getcontext

getcontext().prec = 60
D = Decimal

SMIC = [
    (dt.date(2021, 10, 1), D("10.48")),
    (dt.date(2022, 1, 1), D("10.57")),
    (dt.date(2022, 5, 1), D("10.85")),
    (dt.date(2022, 8, 1), D("11.07")),
    (dt.date(2023, 1, 1), D("11.27")),
    (dt.date(2023, 5, 1), D("11.52")),
    (dt.date(2024, 1, 1), D("11.65")),
    (dt.date(2024, 11, 1), D("11.88")),
    (dt.date(2026, 1, 1), D("12.02")),
]
PMSS = {2021: D(3428), 2022: D(3428), 2023: D(3666), 2024: D(3864), 2025: D(3925), 2026: D(4005)}
PASS = {
    2019: D(40524),
    2020: D(41136),
    2021: D(41136),
    2022: D(41136),
    2023: D(43992),
    2024: D(46368),
    2025: D(47100),
    2026: D(48060),
}
MATERNITY_MINIMUM = [
    (dt.date(2022, 7, 1), D("10.16")),
    (dt.date(2023, 1, 1), D("10.24")),
    (dt.date(2024, 1, 1), D("10.79")),
    (dt.date(2025, 1, 1), D("11.02")),
    (dt.date(2026, 1, 1), D("11.12")),
]


def at(table: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    found = [value for start, value in table if start <= day]
    if not found:
        raise LookupError(day)
    return found[-1]


def reference_date(start: dt.date) -> dt.date:
    return start.replace(day=1) - dt.timedelta(days=1)


def cents(value: Decimal, truncate: bool = False) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_DOWN if truncate else ROUND_HALF_UP)


def monthly_smic(day: dt.date) -> Decimal:
    return cents(at(SMIC, day) * 35 * 52 / 12)


def sickness(start: dt.date, months: list[Decimal], truncate: bool = False) -> Decimal:
    k = D("1.8") if start < dt.date(2025, 4, 1) else D("1.4")
    cap = k * monthly_smic(reference_date(start))
    return cents(sum(min(m, cap) for m in months) / D("91.25") * D("0.5"), truncate)


def part_time(start: dt.date, months: list[Decimal], pay: Decimal) -> Decimal:
    k = D("1.8") if start < dt.date(2025, 4, 1) else D("1.4")
    normal = sum(min(m, k * monthly_smic(reference_date(start))) for m in months) / D("91.25") * D("0.5")
    loss = max(sum(months) / 3 - pay, D(0)) * 3 / D("91.25")
    return cents(min(normal, loss))


def work_accident(
    start: dt.date, last_month: Decimal, truncate: bool = False, pass_on_start: bool = False
) -> tuple[Decimal, Decimal]:
    """Convention P: the cap's PASS at the reference date, or on the stoppage's start (``pass_on_start``)."""
    salary = last_month / D("30.42")
    capped = min(salary, D("0.00834") * PASS[(start if pass_on_start else reference_date(start)).year])
    return cents(capped * D("0.6"), truncate), cents(min(capped * D("0.8"), salary * D("0.79")), truncate)


def maternity(start: dt.date, months: list[Decimal]) -> Decimal:
    reference = reference_date(start)
    daily = cents(sum(min(m, PMSS[reference.year]) for m in months) * D("0.79") / D("91.25"))
    return max(daily, at(MATERNITY_MINIMUM, reference))


def self_employed_exact(start: dt.date, income: Decimal) -> Decimal:
    """min(income, PASS of the start's year) / 730; 0 below 10 % of the average PASS of the 3 years before."""
    threshold = sum(PASS[start.year - back] for back in (1, 2, 3)) / 3 / 10
    if income < threshold:
        return D(0)
    return min(income, PASS[start.year]) / 730


def self_employed(start: dt.date, income: Decimal) -> Decimal:
    return cents(self_employed_exact(start, income))


def self_employed_part_time(start: dt.date, income: Decimal) -> Decimal:
    """Half the self-employed allowance (D622-10), rounded once."""
    return cents(self_employed_exact(start, income) / 2)
