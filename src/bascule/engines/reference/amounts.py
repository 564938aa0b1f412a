"""Daily allowances of stoppage chains: one small vectorised rule a function.

Each function takes arrays with one element per chain (dates as
``datetime64[D]``, salaries in cents) and returns exact amounts in cents
(:class:`Exact`), rounded by the caller once, as convention R says. A
parameter with no value at the date a rule looks it up makes that chain's
outcome unsupported, with the parameter's reason: :class:`Lookups`
collects those reasons.
"""

from __future__ import annotations

import numpy as np

from bascule.engines.reference.exact import Exact, Rounding, largest, smallest, whole
from bascule.engines.reference.parameters import Parameter, parameters

CENTS = 100  # cents in a euro


class Lookups:
    """Parameter look-ups for a set of chains, remembering why any could not be made."""

    def __init__(self, count: int, table: dict[str, Parameter] | None = None) -> None:
        self.table = table or parameters()
        self.refused = np.full(count, None, dtype=object)  # the first refusal of each chain

    def value(self, name: str, days: np.ndarray, scale: int, where: np.ndarray | None = None) -> Exact:
        """``name`` on each day, as an exact fraction of ``scale``, for the chains ``where`` asks (all by default)."""
        parameter = self.table[name]
        values, missing = parameter.scaled(days, scale)
        needed = np.flatnonzero((missing if where is None else missing & where) & (self.refused == None))  # noqa: E711
        if len(needed):  # one message a distinct day: many chains are often refused on the same one
            unique, at = np.unique(np.asarray(days, dtype="datetime64[D]")[needed], return_inverse=True)
            reasons = np.array([parameter.refusal(day.astype(object)) for day in unique], dtype=object)
            self.refused[needed] = reasons[at]
        return Exact.of(values, scale)

    def cents(self, name: str, days: np.ndarray) -> Exact:
        """An amount in euros on each day, in cents."""
        euros = self.value(name, days, CENTS)
        return Exact(euros.num, np.ones_like(euros.den))


def reference_date(initial_start: np.ndarray) -> np.ndarray:
    """The last day of the month before the month the chain's initial stoppage starts (R323-4, R331-5)."""
    return initial_start.astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")


def reference_months(month_after: np.ndarray) -> np.ndarray:
    """The 3 calendar months before ``month_after``'s month, oldest first: shape (chains, 3)."""
    month = month_after.astype("datetime64[M]")
    return np.stack([month - np.timedelta64(k, "M") for k in (3, 2, 1)], axis=1)


def monthly_smic(lookups: Lookups, on: np.ndarray) -> Exact:
    """Hourly SMIC × legal weekly hours × 52 / 12, rounded to the cent (docs/RULES.md section 0)."""
    hourly = lookups.cents("smic_hourly", on)
    hours = lookups.value("legal_weekly_hours", on, 1)
    exact = hourly * hours * Exact.of(np.full(len(on), 52), 12)
    return Exact.of(exact.cents(Rounding.HALF_UP))


def capped_sum(months: np.ndarray, cap: Exact) -> Exact:
    """Σ over the reference months of min(month salary, cap): each month capped on its own."""
    total = Exact.of(np.zeros(len(months), dtype=np.int64))
    for column in range(months.shape[1]):
        total = total + smallest(Exact.of(months[:, column]), cap)
    return total


def sickness_daily_base(lookups: Lookups, months: np.ndarray, reference: np.ndarray, start: np.ndarray) -> Exact:
    """SJB = Σ min(month salary, k × monthly SMIC at the reference date) / 91.25 (R323-4).

    ``k`` is read at the start of the chain's initial stoppage (1.8, then
    1.4 for stoppages starting from 1 April 2025).
    """
    coefficient = lookups.value("sickness_cap_coefficient", start, 10)
    divisor = lookups.value("sickness_divisor", start, 100)
    return capped_sum(months, coefficient * monthly_smic(lookups, reference)) / divisor


def sickness_daily(
    lookups: Lookups, months: np.ndarray, reference: np.ndarray, start: np.ndarray, base: Exact | None = None
) -> Exact:
    """Sickness allowance = 50 % of the daily base (R323-5); ``base``: :func:`sickness_daily_base`, if already known."""
    rate = lookups.value("sickness_rate", start, 100)
    return (sickness_daily_base(lookups, months, reference, start) if base is None else base) * rate


def part_time_daily_loss(lookups: Lookups, months: np.ndarray, part_time_pay: np.ndarray, start: np.ndarray) -> Exact:
    """Daily loss of earnings in a therapeutic part-time month (L323-3, convention T).

    max(0, reference monthly salary − part-time salary of the month) × 3 / 91.25,
    the reference monthly salary being the uncapped reference months / 3.
    """
    divisor = lookups.value("sickness_divisor", start, 100)
    loss = np.maximum(whole(months.sum(axis=1)) - 3 * whole(part_time_pay), 0)
    return Exact.of(loss) / divisor


def part_time_daily(
    lookups: Lookups, normal: Exact, months: np.ndarray, part_time_pay: np.ndarray, start: np.ndarray
) -> Exact:
    """The chain's allowance (``normal``, before rounding), but never more than the daily loss of earnings (R323-3)."""
    return smallest(normal, part_time_daily_loss(lookups, months, part_time_pay, start))


def work_accident_reference_salary(lookups: Lookups, last_month: np.ndarray, start: np.ndarray) -> Exact:
    """SJR = salary of the last reference month / 30.42 (R433-4)."""
    return Exact.of(last_month) / lookups.value("work_accident_divisor", start, 100)


def work_accident_capped_salary(lookups: Lookups, salary: Exact, pass_day: np.ndarray) -> Exact:
    """min(SJR, 0.834 % of the PASS) (R433-2), the PASS read on ``pass_day`` (convention P)."""
    cap = lookups.cents("pass", pass_day) * lookups.value("work_accident_reference_cap", pass_day, 100_000)
    return smallest(salary, cap)


def work_accident_daily(
    lookups: Lookups, last_month: np.ndarray, pass_day: np.ndarray, start: np.ndarray
) -> tuple[Exact, Exact]:
    """The allowance of days 1-28 and of the later days of a work-accident chain (L433-2, R433-3, R433-4).

    Days 1-28: 60 % of the capped SJR. Later: min(80 % of the capped SJR,
    79 % of the uncapped SJR). The cap's PASS is read on ``pass_day``.
    """
    salary = work_accident_reference_salary(lookups, last_month, start)
    capped = work_accident_capped_salary(lookups, salary, pass_day)
    first = capped * lookups.value("work_accident_rate_first_days", start, 100)
    later = smallest(
        capped * lookups.value("work_accident_rate_later_days", start, 100),
        salary * lookups.value("work_accident_net_ceiling", start, 100),
    )
    return first, later


def maternity_daily(
    lookups: Lookups, months: np.ndarray, reference: np.ndarray, rounding: Rounding = Rounding.HALF_UP
) -> np.ndarray:
    """Σ min(month salary, PMSS) × (1 − 21 %) / 91.25, rounded, and at least the minimum (R331-5).

    Returns cents: the minimum applies to the rounded amount.
    """
    pmss = lookups.cents("pmss", reference)
    kept = lookups.value("maternity_flat_deduction", reference, 100).complement()
    daily = capped_sum(months, pmss) * kept / lookups.value("maternity_divisor", reference, 100)
    minimum = lookups.cents("maternity_minimum_daily", reference)
    return largest(Exact.of(daily.cents(rounding)), minimum).cents()


def self_employed_daily(lookups: Lookups, income: np.ndarray, start: np.ndarray) -> Exact:
    """min(average annual income, 1 PASS on the initial stoppage's first day) / 730 (D622-7); no minimum.

    Nothing below 10 % of the average PASS of the 3 calendar years before
    that day's year (convention I: 4,383.20 EUR for a 2025 stoppage).
    """
    ceiling = lookups.cents("pass", start) * lookups.value("self_employed_income_cap", start, 100)
    threshold = average_pass_of_previous_years(lookups, start) * lookups.value(
        "self_employed_income_threshold", start, 100
    )
    earned = Exact.of(np.maximum(whole(income), 0))
    daily = smallest(earned, ceiling) / lookups.value("self_employed_divisor", start, 1)
    nothing = Exact.of(np.zeros(len(start), dtype=np.int64))
    return nothing.where(earned < threshold, daily)


def average_pass_of_previous_years(lookups: Lookups, start: np.ndarray, years: int = 3) -> Exact:
    """The average of the PASS of the ``years`` calendar years before each day's year, in cents."""
    year = start.astype("datetime64[Y]")
    total = Exact.of(np.zeros(len(start), dtype=np.int64))
    for back in range(1, years + 1):
        total = total + lookups.cents("pass", (year - back).astype("datetime64[D]"))
    return total / Exact.of(np.full(len(start), years))


def self_employed_part_time_daily(lookups: Lookups, income: np.ndarray, start: np.ndarray) -> Exact:
    """Self-employed therapeutic part-time: half the self-employed allowance (D622-10), rounded once by the caller."""
    return self_employed_daily(lookups, income, start) * lookups.value("self_employed_part_time_rate", start, 100)
