"""Subrogation periods that count (docs/RULES.md section 6).

A period of an attestation in force on any stoppage of a chain applies to
the chain's days it names. An employer often declares subrogation for the
whole time it keeps paying the salary, past the stoppage's end: such a
period is valid, and only the days of its chain count. A period sharing
no day with its chain changes nothing: it is left out here (the migration
reports it, it does not reject it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bascule.domain.chains import chain_of_attestations, chain_spans

PERIOD_COLUMNS = ["record_index", "chain", "siret", "start_date", "end_date"]


def subrogation_periods(stoppages: pd.DataFrame, rows: dict[str, pd.DataFrame], in_force: pd.DataFrame) -> pd.DataFrame:
    """The periods of the attestations in force that share a day with their chain: one row a period."""
    periods = rows.get("SU")
    if periods is None or periods.empty or in_force.empty:
        return pd.DataFrame({column: pd.Series([], dtype=object) for column in PERIOD_COLUMNS})
    chain = periods["attestation_index"].map(chain_of_attestations(stoppages, in_force))
    kept = periods.assign(chain=chain)[chain.notna().to_numpy()]
    kept = kept.assign(chain=kept["chain"].astype(np.int64))
    return kept[shares_a_day(kept, chain_spans(stoppages))][PERIOD_COLUMNS].reset_index(drop=True)


def shares_a_day(periods: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    """Whether each period (``chain``, ``start_date``, ``end_date``) meets its chain's span of days."""
    first = spans["first"].reindex(periods["chain"]).to_numpy(dtype="datetime64[D]")
    last = spans["last"].reindex(periods["chain"]).to_numpy(dtype="datetime64[D]")
    start = periods["start_date"].to_numpy(dtype="datetime64[D]")
    end = periods["end_date"].to_numpy(dtype="datetime64[D]")
    return (start <= last) & (end >= first)
