"""Stoppage chains: an initial stoppage and its extensions (IJ-RULES.md section 0).

An extension names its initial stoppage; the chain is keyed by the initial
stoppage's record index and its amounts are fixed by it. The days between
the end of an extension's previous stoppage in the chain and its own start
are its **gap**, which the rules of the gap before an extension read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Rows = dict[str, pd.DataFrame]
PERSON_COLUMNS = ["nir", "scheme", "keeps_rights", "contract_end_date", "self_employed_income_cents"]
DAY = np.timedelta64(1, "D")


def stoppages_with_chains(rows: Rows) -> pd.DataFrame:
    """One row per stoppage, with its person's data, its ``chain`` and the chain's ``chain_start``."""
    persons = rows["AS"].set_index("record_index")[PERSON_COLUMNS]
    stoppages = rows["AR"].join(persons, on="person_index")
    initial = stoppages["initial_stoppage_index"]
    stoppages["chain"] = initial.where(initial.notna(), stoppages["record_index"]).astype(np.int64)
    starts = stoppages.set_index("record_index")["start_date"]
    stoppages["chain_start"] = starts.reindex(stoppages["chain"]).to_numpy()
    return stoppages


def chain_of_stoppages(stoppages: pd.DataFrame) -> pd.Series:
    """The chain of each stoppage, by its record index.

    ``stoppages`` may hold a stoppage twice (one row a stream): its chain is the same.
    """
    return stoppages.drop_duplicates("record_index").set_index("record_index")["chain"]


def chain_of_attestations(stoppages: pd.DataFrame, attestations: pd.DataFrame) -> pd.Series:
    """The chain of each attestation, by the attestation's record index."""
    return attestations.set_index("record_index")["stoppage_index"].map(chain_of_stoppages(stoppages))


def chain_spans(stoppages: pd.DataFrame) -> pd.DataFrame:
    """Per chain: its ``first`` day (the earliest start) and its ``last`` (the latest end) of a stoppage not cancelled."""
    live = stoppages[stoppages["status"] != "CANCELLED"].drop_duplicates("record_index")
    return live.groupby("chain").agg(first=("start_date", "min"), last=("end_date", "max"))


def previous_end(stoppages: pd.DataFrame) -> np.ndarray:
    """The latest end of the earlier stoppages of each stoppage's chain (NaT for an initial stoppage).

    Earlier means starting before it; cancelled stoppages prescribe no day
    and are left out. The gap before an extension is the days from the day
    after this end to the day before its own start.
    """
    own = stoppages.drop_duplicates("record_index")
    live = own[own["status"] != "CANCELLED"].sort_values(["chain", "start_date", "record_index"], kind="stable")
    ends = live["end_date"].groupby(live["chain"], sort=False).cummax()
    before = ends.groupby(live["chain"], sort=False).shift(1)
    found = pd.Series(before.to_numpy(), index=live["record_index"].to_numpy())
    extension = stoppages["initial_stoppage_index"].notna().to_numpy()
    ended = found.reindex(stoppages["record_index"]).to_numpy(dtype="datetime64[D]")
    return np.where(extension, ended, np.datetime64("NaT"))


def gap_days(stoppages: pd.DataFrame) -> np.ndarray:
    """Days no stoppage prescribes between an extension and its chain's previous stoppage (0 if none)."""
    start = stoppages["start_date"].to_numpy(dtype="datetime64[D]")
    ended = previous_end(stoppages)
    gap = (start - ended).astype("timedelta64[D]").astype("float64") - 1  # NaT becomes NaN
    return np.where(np.isnan(gap), 0, np.maximum(gap, 0)).astype(np.int64)
