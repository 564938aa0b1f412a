"""Days a payable window holds but the law refuses: the 360-day and ALD limits, maternity and paternity entitlements.

Each rule returns the refused days as ``(row, day)`` pairs; the engine cuts
the windows there and drops those runs. Only the stoppages a limit can
reach are expanded to days (a person with fewer than 360 counted days in
all, a birth with fewer days than its entitlement, are never expanded), so
that year-long stoppages stay runs for everybody else.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from bascule.engines.reference.amounts import Lookups
from bascule.engines.reference.parameters import parameters

DAY = np.timedelta64(1, "D")
NO_DAYS = pd.DataFrame({"row": np.array([], dtype=np.int64), "day": np.array([], dtype="datetime64[D]")})


def expand(rows: np.ndarray, first: np.ndarray, last: np.ndarray) -> pd.DataFrame:
    """Every day of the windows of ``rows``, in order: ``row``, ``day``."""
    lengths = np.maximum((last[rows] - first[rows]).astype(np.int64) + 1, 0)
    row = np.repeat(rows, lengths)
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return pd.DataFrame({"row": row, "day": first[row] + offset.astype("timedelta64[D]")})


def years_later(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The same calendar date ``years`` later (29 February → 28 February); NaT stays NaT."""
    result = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    for count in np.unique(years):  # one value in practice: the law has not changed it
        at = ~np.isnat(days) & (years == count)
        result[at] = (pd.to_datetime(days[at]) + pd.DateOffset(years=int(count))).to_numpy(dtype="datetime64[D]")
    return result


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
    alike; a refused day is not paid, so it does not count. Only the
    history present in the extract counts.
    """
    counted = ((streams["nature"] == "SICKNESS") & ~streams["long_term_illness"].astype(bool)).to_numpy()
    paid = np.where(counted, np.maximum((last - first).astype(np.int64) + 1, 0), 0)
    person = [streams["nir"], streams["scheme_stream"]]
    limit = parameters()["sickness_day_limit"]
    smallest_limit = min(int(v.value) for v in limit.values if v.value is not None)
    reachable = counted & (pd.Series(paid).groupby(person).transform("sum").to_numpy() > smallest_limit)
    if not reachable.any():
        return NO_DAYS
    days = expand(np.flatnonzero(reachable), first, last)
    days["person"] = (streams["nir"] + "/" + streams["scheme_stream"]).to_numpy()[days["row"]]
    days = days.sort_values(["person", "day", "row"], kind="stable")
    days["limit"] = limit.scaled(days["day"].to_numpy(dtype="datetime64[D]"), 1)[0].astype(np.int64)
    days["since"] = days["day"] - pd.DateOffset(years=3)  # d − 3 years (29 February → 28 February), excluded
    days = days[_could_reach(days)]
    if days.empty:
        return NO_DAYS
    refused = [
        _refused_in_window(group["day"].to_numpy(), group["since"].to_numpy(), group["limit"].to_numpy())
        for _, group in days.groupby("person", sort=False)
    ]
    return days[np.concatenate(refused)][["row", "day"]]


def _could_reach(days: pd.DataFrame) -> np.ndarray:
    """Days of the persons who would reach the limit if every day were paid (the others are never refused).

    Refusing a day only lowers later counts, so a person whose days never
    number ``limit`` in any 3-year window needs no day-by-day walk.
    """
    person = pd.factorize(days["person"])[0].astype(np.int64)
    ordinal = days["day"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    window = days["since"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    span = 1 << 32
    keys = person * span + ordinal
    earlier = np.arange(len(keys)) - np.searchsorted(keys, person * span + window, side="right")
    reaching = pd.Series(earlier >= days["limit"].to_numpy()).groupby(person).transform("any")
    return reaching.to_numpy()


def _refused_in_window(days: np.ndarray, since: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """For one person's counted days in order, those refused: ``limit`` paid in (since, d) already."""
    paid: deque[np.datetime64] = deque()
    refused = np.zeros(len(days), dtype=bool)
    for position, day in enumerate(days):
        while paid and paid[0] <= since[position]:
            paid.popleft()
        if len(paid) >= limit[position]:
            refused[position] = True
        else:
            paid.append(day)
    return refused


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
    days = expand(np.flatnonzero(birth_kind), first, last)
    birth = streams["presumed_birth_date"].fillna(streams["birth_date"]).astype(str)
    days["birth"] = (streams["nir"] + "/" + streams["nature"] + "/" + birth).to_numpy()[days["row"]]
    days["entitled"] = entitlement_days(streams)[days["row"]]
    days = days.sort_values(["birth", "day", "row"], kind="stable")
    twice = days.duplicated(["birth", "day"])
    rank = (~twice).groupby(days["birth"]).cumsum()
    refused = twice | (rank > days["entitled"])
    return days[refused.to_numpy()][["row", "day"]]
