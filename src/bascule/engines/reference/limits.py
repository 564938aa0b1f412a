"""Days a payable window holds but the law refuses: the 360-day and ALD limits, maternity and paternity entitlements.

Each rule returns the refused days as ``(row, day)`` pairs; the engine cuts
the windows there and drops those runs. Only the stoppages a limit can
reach are expanded to days (a person with fewer than 360 counted days in
all, a birth with fewer days than its entitlement, are never expanded), so
that year-long stoppages stay runs for everybody else.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from bascule.engines.reference.amounts import Lookups
from bascule.engines.reference.day_cap import refused_over_cap
from bascule.engines.reference.parameters import parameters

DAY = np.timedelta64(1, "D")
NO_DAYS = pd.DataFrame({"row": np.array([], dtype=np.int64), "day": np.array([], dtype="datetime64[D]")})


def expand(rows: np.ndarray, first: np.ndarray, last: np.ndarray) -> pd.DataFrame:
    """Every day of the windows of ``rows``, in order: ``row``, ``day``."""
    lengths = np.maximum((last[rows] - first[rows]).astype(np.int64) + 1, 0)
    row = np.repeat(rows, lengths)
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return pd.DataFrame({"row": row, "day": first[row] + offset.astype("timedelta64[D]")})


def years_later(days: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """The same calendar date ``years`` later (29 February → 28 February; negative: earlier); NaT stays NaT."""
    return months_later(days, 12 * np.asarray(years, dtype=np.int64))


def months_later(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """The same day of the month ``months`` later, or that month's last day when it is shorter; NaT stays NaT."""
    days = np.asarray(days, dtype="datetime64[D]")
    month = days.astype("datetime64[M]")
    known = ~np.isnat(days)
    day_of_month = np.where(known, (days - month.astype("datetime64[D]")).astype(np.int64), 0)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    shifted = target.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1).astype("timedelta64[D]")
    return np.where(known, shifted, np.datetime64("NaT", "D"))


def ald_limit(
    streams: pd.DataFrame, first: np.ndarray, last: np.ndarray, period_start: np.ndarray, lookups: Lookups
) -> pd.DataFrame:
    """ALD days from 3 years (``ald_period_years``) after the start of their ALD period are refused (L323-1).

    ``period_start`` is :func:`bascule.engines.reference.days.ald_periods`' first array (docs/RULES.md 2).
    """
    ald = streams["long_term_illness"].to_numpy(dtype=bool)
    period = lookups.value("ald_period_years", period_start, 1, where=ald & ~np.isnat(period_start)).num
    limit = years_later(period_start, period.astype(np.int64))
    reached = np.flatnonzero(ald & (first <= last) & ~np.isnat(limit) & (last >= limit))
    return expand(reached, np.maximum(first, limit), last)


def sickness_360_days(streams: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> pd.DataFrame:
    """Non-ALD sickness days refused because 360 were already paid in the 3 years before (L323-1, R323-1).

    Counted per person and scheme, full-time and therapeutic part-time
    alike; a refused day is not paid, so it does not count
    (:func:`bascule.engines.reference.day_cap.refused_over_cap`). Only the
    history present in the extract counts.
    """
    counted = ((streams["nature"] == "SICKNESS") & ~streams["long_term_illness"].astype(bool)).to_numpy()
    paid = np.where(counted, np.maximum((last - first).astype(np.int64) + 1, 0), 0)
    person = np.full(len(streams), -1, dtype=np.int64)
    person[counted] = pd.factorize(streams["nir"][counted] + "/" + streams["scheme_stream"][counted])[0]
    limit = parameters()["sickness_day_limit"]
    smallest_limit = min(int(v.value) for v in limit.values if v.value is not None)
    reachable = counted & (pd.Series(paid).groupby(person).transform("sum").to_numpy() > smallest_limit)
    if not reachable.any():
        return NO_DAYS
    days = _person_days(expand(np.flatnonzero(reachable), first, last), person)
    days["limit"] = on_each_date(days["day"], lambda d: limit.scaled(d, 1)[0].astype(np.int64))
    days["since"] = on_each_date(days["day"], lambda d: years_later(d, -3))  # d − 3 years (29 Feb → 28 Feb), excluded
    reaching = _could_reach(days)
    days = {name: column[reaching] for name, column in days.items()}
    refused = refused_over_cap(days["person"], _ordinal(days["day"]), _ordinal(days["since"]), days["limit"])
    return pd.DataFrame({"row": days["row"][refused], "day": days["day"][refused]})


def on_each_date(days: np.ndarray, function: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``function`` of each day, computed once a date of their range: millions of days hold a few thousand dates."""
    ordinal = _ordinal(days)
    low = int(ordinal.min(initial=0))
    dates = np.arange(low, int(ordinal.max(initial=0)) + 1).astype("datetime64[D]")
    each: np.ndarray = function(dates)[ordinal - low]  # numpy's stubs type indexing by an untyped array Any
    return each


def _person_days(expanded: pd.DataFrame, person: np.ndarray) -> dict[str, np.ndarray]:
    """The expanded days as arrays, in the order of the walk: by person, day, then stoppage (one integer sort key)."""
    row, day = expanded["row"].to_numpy(np.int64), expanded["day"].to_numpy(dtype="datetime64[D]")
    ordinal = _ordinal(day)
    low, rows, span = int(ordinal.min()), int(row.max()) + 1, int(ordinal.max() - ordinal.min()) + 1
    order = np.argsort((person[row].astype(np.int64) * span + (ordinal - low)) * rows + row)  # keys are distinct
    return {"row": row[order], "day": day[order], "person": person[row[order]]}


def _ordinal(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(np.int64)


def _could_reach(days: dict[str, np.ndarray]) -> np.ndarray:
    """Days of the persons who would reach the limit if every day were paid (the others are never refused).

    Refusing a day only lowers later counts, so a person whose days never
    number ``limit`` in any 3-year window needs no day-by-day walk.
    """
    person = days["person"].astype(np.int64)
    span = 1 << 32
    keys = person * span + _ordinal(days["day"])
    earlier = np.arange(len(keys)) - np.searchsorted(keys, person * span + _ordinal(days["since"]), side="right")
    reaching = np.bincount(person, weights=earlier >= days["limit"], minlength=person.max(initial=0) + 1) > 0
    return reaching[person]


def entitlement_days(streams: pd.DataFrame) -> np.ndarray:
    """Days of maternity or paternity a birth gives, read at the stoppage's start (docs/RULES.md 5)."""
    start = streams["start_date"].to_numpy(dtype="datetime64[D]")
    table = parameters()

    def days(name: str) -> np.ndarray:
        return table[name].scaled(start, 1)[0].astype(np.int64)

    nature = streams["nature"].to_numpy()
    born = streams["children_born"].to_numpy(dtype=np.int64)
    rank = streams["birth_rank"].to_numpy(dtype=np.int64)
    maternity = np.select(
        [born >= 3, born == 2, rank >= 3],
        [days("maternity_days_triplets"), days("maternity_days_twins"), days("maternity_days_third_child")],
        default=days("maternity_days"),
    )
    paternity = np.where(born >= 2, days("paternity_days_multiple_birth"), days("paternity_days"))
    return np.where(nature == "MATERNITY", maternity, np.where(nature == "PATERNITY", paternity, 0))


def birth_entitlement(streams: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> pd.DataFrame:
    """Maternity and paternity days beyond the birth's entitlement, or already paid by another stoppage.

    A day is paid once (to the first stoppage, in file order, that covers
    it), and at most the entitlement's number of days for one birth
    (docs/RULES.md 5).
    """
    birth_kind = streams["nature"].isin(["MATERNITY", "PATERNITY"]).to_numpy() & (first <= last)
    if not birth_kind.any():
        return NO_DAYS
    births = streams[birth_kind]
    birth_date = births["presumed_birth_date"].fillna(births["birth_date"]).astype(str)
    birth = np.full(len(streams), -1, dtype=np.int64)
    birth[birth_kind] = pd.factorize(births["nir"] + "/" + births["nature"] + "/" + birth_date)[0]
    days = _person_days(expand(np.flatnonzero(birth_kind), first, last), birth)
    birth, day = days["person"], days["day"]
    new_birth = np.r_[True, birth[1:] != birth[:-1]]
    twice = np.r_[False, ~new_birth[1:] & (day[1:] == day[:-1])]
    kept = np.cumsum(~twice)
    rank = kept - (kept - ~twice)[np.maximum.accumulate(np.where(new_birth, np.arange(len(day)), 0))]
    refused = twice | (rank > entitlement_days(streams)[days["row"]])
    return pd.DataFrame({"row": days["row"][refused], "day": day[refused]})
