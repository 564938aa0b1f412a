"""Which days of a stoppage are payable, and the runs of days that share one amount and one payee.

Days are handled as runs ``[first, last]`` (inclusive), never one row a
day: a stoppage's payable window is cut only where something changes (the
29th day of a work-accident chain, a subrogation period's bounds, a new
month of therapeutic part-time), and each run is then given its amount
and payee by looking at its first day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bascule.engines.reference.amounts import Lookups
from bascule.engines.reference.limits import years_later

DAY = np.timedelta64(1, "D")


def payable_window(
    stoppages: pd.DataFrame, extraction: np.datetime64, returns: np.ndarray, opens: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last payable day of each stoppage (docs/RULES.md section 0); first > last when none.

    From ``opens`` (the start, or the first day of a gap paid as days of
    the chain) to the earliest of the end, the extraction date and the day
    before a declared return to work; a work accident's own day is the
    employer's (L433-1). A cancelled stoppage has no payable day.
    """
    end = stoppages["end_date"].to_numpy(dtype="datetime64[D]")
    accident = stoppages["accident_date"].to_numpy(dtype="datetime64[D]")
    work_accident = (stoppages["nature"] == "WORK_ACCIDENT").to_numpy() & ~np.isnat(accident)
    first = np.where(work_accident, np.maximum(opens, accident + DAY), opens)
    last = np.minimum(end, extraction)
    last = np.where(np.isnat(returns), last, np.minimum(last, returns - DAY))
    cancelled = (stoppages["status"] == "CANCELLED").to_numpy()
    return first, np.where(cancelled, first - DAY, last)


def waiting_days_end(
    stoppages: pd.DataFrame, first: np.ndarray, waiting: np.ndarray, serves_waiting: np.ndarray, opens_ald: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The first payable day once the waiting days are served, and which stoppages wait.

    R323-1, L323-3, docs/RULES.md sections 0, 2, 3 and 10.

    A full-time sickness stoppage waits when it is an initial stoppage, or
    an extension whose gap makes it serve the waiting days; an ALD one only
    when it opens an ALD period. Work accidents, maternity, paternity and
    therapeutic part-time never wait. ``opens_ald`` is :func:`ald_periods`' second array.
    """
    initial = stoppages["initial_stoppage_index"].isna().to_numpy()
    sickness = ((stoppages["nature"] == "SICKNESS") & (stoppages["modality"] == "FULL_TIME")).to_numpy()
    ald = stoppages["long_term_illness"].to_numpy(dtype=bool)
    waits = (initial | serves_waiting) & sickness & (~ald | opens_ald)
    start = stoppages["start_date"].to_numpy(dtype="datetime64[D]")
    served = start + waiting.astype("timedelta64[D]")
    return np.where(waits, np.maximum(first, served), first), waits


def ald_periods(stoppages: pd.DataFrame, lookups: Lookups) -> tuple[np.ndarray, np.ndarray]:
    """Per stoppage: the first day of its ALD period (NaT if none), and whether it opens that period.

    L323-1, docs/RULES.md section 2 (convention A, per person): the
    person's first ALD stoppage opens a period, and so does an ALD stoppage
    starting at least one year (``ald_new_period_after_years``) after the
    end of their previous ALD stoppage (29 February → 28 February).
    Cancelled stoppages count for nothing.
    """
    start = stoppages["start_date"].to_numpy(dtype="datetime64[D]")
    counted = stoppages["long_term_illness"].to_numpy(dtype=bool) & (stoppages["status"] != "CANCELLED").to_numpy()
    after = lookups.value("ald_new_period_after_years", start, 1, where=counted).num.astype(np.int64)
    ald = stoppages[counted & ~stoppages["record_index"].duplicated().to_numpy()]
    ald = ald.sort_values(["nir", "start_date", "record_index"], kind="stable")
    person = ald["nir"]
    ended_before = ald["end_date"].groupby(person, sort=False).cummax().groupby(person, sort=False).shift(1)
    back_at_work = years_later(ended_before.to_numpy(dtype="datetime64[D]"), after[ald.index.to_numpy()])
    opens = np.isnat(back_at_work) | (ald["start_date"].to_numpy(dtype="datetime64[D]") >= back_at_work)
    period_start = ald["start_date"].where(opens).groupby(person, sort=False).ffill()
    index, at = ald["record_index"].to_numpy(), stoppages["record_index"]
    found_start = pd.Series(period_start.to_numpy(), index=index).reindex(at).to_numpy(dtype="datetime64[D]")
    found_opens = pd.Series(opens, index=index).reindex(at).fillna(False).to_numpy(dtype=bool)
    return found_start, found_opens


def chain_day(stoppages: pd.DataFrame, first: np.ndarray, last: np.ndarray, day_number: np.ndarray) -> np.ndarray:
    """The date of payable day ``day_number`` of each stoppage's chain, counted across extensions.

    Gap days between stoppages are not counted (docs/RULES.md section 4).
    Dates before the stoppage's first payable day mean the day came in an
    earlier stoppage of the chain.
    """
    payable = np.maximum((last - first).astype(np.int64) + 1, 0)
    order = pd.DataFrame({"chain": stoppages["chain"].to_numpy(), "start": first, "days": payable})
    order = order.sort_values(["chain", "start"], kind="stable")
    before = order.groupby("chain")["days"].cumsum() - order["days"]
    offset = before.reindex(range(len(stoppages))).to_numpy(dtype=np.int64)
    # annotated: numpy's stubs type arithmetic on untyped arrays Any
    dates: np.ndarray = first + (day_number.astype(np.int64) - 1 - offset).astype("timedelta64[D]")
    return dates


def runs(first: np.ndarray, last: np.ndarray, cuts: pd.DataFrame) -> pd.DataFrame:
    """Cut each payable window ``[first, last]`` at the given days: the runs of days between cuts.

    ``cuts`` has a ``row`` (position of the window) and a ``day`` where a new
    run starts; cuts outside a window are ignored. Returns ``row``,
    ``first_day``, ``last_day`` for every run of every non-empty window.
    """
    open_ = first <= last
    rows = np.flatnonzero(open_)
    starts = pd.DataFrame({"row": rows, "day": first[rows]})
    inside = cuts[(cuts["day"].to_numpy() > first[cuts["row"]]) & (cuts["day"].to_numpy() <= last[cuts["row"]])]
    bounds = pd.concat([starts, inside[["row", "day"]]], ignore_index=True).drop_duplicates()
    bounds = bounds.sort_values(["row", "day"], kind="stable", ignore_index=True)
    following = bounds.groupby("row")["day"].shift(-1)
    end = np.where(following.isna(), last[bounds["row"]], following.to_numpy(dtype="datetime64[D]") - DAY)
    return pd.DataFrame(
        {
            "row": bounds["row"],
            "first_day": bounds["day"].to_numpy(dtype="datetime64[D]"),
            "last_day": end.astype("datetime64[D]"),
        }
    )
