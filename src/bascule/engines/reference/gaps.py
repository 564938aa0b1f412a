"""The gap before an extension (docs/RULES.md, section 0; convention G).

The gap is the days between the end of the previous stoppage of the chain
and the start of an extension, which no stoppage prescribes
(:func:`bascule.domain.chains.gap_days`). What it does is read from two
dated parameters on its **first** day: until 2024-08-31 a gap of up to 3
days is paid as days of the chain (a longer one is unsupported); from
2024-09-01 no gap day is paid, and a long enough gap makes the extension
serve the waiting days of an initial stoppage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import holidays
import numpy as np
import pandas as pd

from bascule.domain.chains import DAY, gap_days, previous_end
from bascule.engines.reference.amounts import Lookups
from bascule.engines.reference.conventions import GapReading
from bascule.engines.reference.parameters import WINDOW

WAITING_PARAMETER = {
    GapReading.CALENDAR_DAYS: "extension_gap_waiting_days",
    GapReading.WORKING_DAYS: "extension_gap_waiting_working_days",
}


@dataclass(frozen=True)
class Gaps:
    """Per stoppage: its gap, and what the gap does."""

    first_day: np.ndarray  # the first gap day (NaT where there is no gap)
    paid: np.ndarray  # the gap days are paid as days of the chain, on the extension's lines
    serves_waiting: np.ndarray  # the extension serves the waiting days of an initial stoppage


def gaps_before_extensions(stoppages: pd.DataFrame, lookups: Lookups, reading: GapReading) -> Gaps:
    """What each extension's gap does; a gap no rule covers makes the stoppage unsupported (through ``lookups``)."""
    ended = previous_end(stoppages)
    length = gap_days(stoppages, ended)
    first_day = ended + DAY
    some = length > 0
    paid = some & (length <= lookups.value("extension_gap_paid_days", first_day, 1, where=some).num.astype(np.int64))
    longer = some & ~paid
    threshold = lookups.value(WAITING_PARAMETER[reading], first_day, 1, where=longer).num.astype(np.int64)
    start = stoppages["start_date"].to_numpy(dtype="datetime64[D]")
    counted = length if reading is GapReading.CALENDAR_DAYS else working_days(first_day, start, longer)
    return Gaps(first_day, paid, longer & (counted >= threshold))


def working_days(first: np.ndarray, end: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Monday-to-Friday days in ``[first, end)`` that are not French public holidays (0 where not ``where``)."""
    counted = np.zeros(len(first), dtype=np.int64)
    if where.any():
        counted[where] = np.busday_count(first[where], end[where], holidays=french_public_holidays())
    return counted


@cache
def french_public_holidays() -> np.ndarray:
    """The public holidays of metropolitan France over the look-up window and the year after it."""
    years = range(WINDOW[0].year, WINDOW[1].year + 2)
    return np.array(sorted(holidays.country_holidays("FR", years=years)), dtype="datetime64[D]")
