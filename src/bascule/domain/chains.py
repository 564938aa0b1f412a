"""Stoppage chains: an initial stoppage and its extensions (docs/RULES.md section 0).

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
    stoppages["chain"] = _chain_roots(stoppages)
    starts = stoppages.set_index("record_index")["start_date"]
    stoppages["chain_start"] = starts.reindex(stoppages["chain"]).to_numpy()
    return stoppages


def _chain_roots(stoppages: pd.DataFrame) -> np.ndarray:
    """The initial stoppage of each stoppage's chain, followed through extensions of extensions.

    An extension may name an earlier extension as its initial stoppage; its
    chain is still the one that stoppage belongs to. Pointers are followed
    by doubling (each step looks two times further), so a chain of n
    stoppages takes log2(n) whole-frame steps.
    """
    index = stoppages["record_index"].to_numpy(dtype=np.int64)
    initial = stoppages["initial_stoppage_index"]
    parent = pd.Series(initial.where(initial.notna(), stoppages["record_index"]).to_numpy(dtype=np.int64), index=index)
    while True:
        grand = parent.reindex(parent.to_numpy()).to_numpy()  # NaN where the parent is not in these rows
        grand = np.where(np.isnan(grand), parent.to_numpy(), grand).astype(np.int64)
        if (grand == parent.to_numpy()).all():
            return grand
        parent = pd.Series(grand, index=index)


def chain_of_stoppages(stoppages: pd.DataFrame) -> pd.Series:
    """The chain of each stoppage, by its record index.

    ``stoppages`` may hold a stoppage twice (one row a stream): its chain is the same.
    """
    return stoppages.drop_duplicates("record_index").set_index("record_index")["chain"]


def chain_of_attestations(stoppages: pd.DataFrame, attestations: pd.DataFrame) -> pd.Series:
    """The chain of each attestation, by the attestation's record index."""
    return attestations.set_index("record_index")["stoppage_index"].map(chain_of_stoppages(stoppages))


def chain_spans(stoppages: pd.DataFrame) -> pd.DataFrame:
    """Per chain, over its stoppages not cancelled: ``first`` (the earliest start) and ``last`` (the latest end)."""
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


def gap_days(stoppages: pd.DataFrame, ended: np.ndarray | None = None) -> np.ndarray:
    """Days no stoppage prescribes between an extension and its chain's previous stoppage (0 if none).

    ``ended`` is :func:`previous_end` when the caller has it already.
    """
    start = stoppages["start_date"].to_numpy(dtype="datetime64[D]")
    ended = previous_end(stoppages) if ended is None else ended
    gap = (start - ended).astype("timedelta64[D]").astype("float64") - 1  # NaT becomes NaN
    return np.where(np.isnan(gap), 0, np.maximum(gap, 0)).astype(np.int64)
