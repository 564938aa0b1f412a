"""Which days are due: an open or recent stoppage is compared only as far as the control has paid it.

The legacy pays in arrears (PROGRES settles 14-day periods 3 days after they
end), so on the extraction date the last days of an open stoppage, or of
one that ended a few days earlier, are not paid yet. Such a stoppage's
horizon is the later of the control's last paid day and the extraction
date minus the settlement lag: days after it are *not yet due*, never a
divergence. Every other stoppage is compared whole (no horizon), so a
legacy that stopped paying a closed stoppage is seen.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from bascule.defaults import SETTLEMENT_LAG_DAYS as SETTLEMENT_LAG_DAYS  # where it was: importers keep working
from bascule.engines.ledger import Ledger


def horizons(stoppages: pd.DataFrame, control: Ledger, extraction_date: dt.date, lag_days: int) -> pd.Series:
    """Per stoppage number, its last due day, or NaT when every day of it is due."""
    recent = np.datetime64(extraction_date, "D") - np.timedelta64(lag_days, "D")
    end = stoppages["end_date"].to_numpy(dtype="datetime64[D]")
    pending = (stoppages["status"] == "OPEN").to_numpy() | (end > recent)
    paid = control.lines[control.lines["daily_cents"] != 0].groupby("number")["last_day"].max()
    last_paid = paid.reindex(stoppages["number"].to_numpy()).to_numpy(dtype="datetime64[D]")
    horizon = np.where(np.isnat(last_paid), recent, np.maximum(last_paid, recent))
    return pd.Series(np.where(pending, horizon, np.datetime64("NaT")), index=stoppages["number"].to_numpy())
