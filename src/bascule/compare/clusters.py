"""Group divergences by signature: one likely cause a cluster (docs/DESIGN.md, "Divergences").

A signature is the divergence's kinds and direction, the case category of
the stoppage, the streams that differ, whether an advance stood in for a
settlement paid late, the reason an engine could not compute it, and,
when both engines trace, the rules their runs do not share. Thousands of stoppages with one cause share one signature.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

SEPARATOR = " · "
ADVANCE_PAID = "advance paid, settlement late"  # an advance stood in for a settlement paid late


def signatures(divergences: pd.DataFrame) -> pd.Series:
    """The signature of each divergence (joined with its case ``category``)."""
    signature = divergences["kinds"].map("+".join) + SEPARATOR + divergences["direction"]
    signature = signature + SEPARATOR + divergences["category"]
    streams = divergences["streams"].fillna("")
    signature = signature.where(streams == "", signature + SEPARATOR + "stream " + streams)
    if "advance_paid_on" in divergences:
        advanced = divergences["advance_paid_on"].notna()
        signature = signature.where(~advanced, signature + SEPARATOR + ADVANCE_PAID)
    for extra in ("unsupported_reason", "rules_differing"):
        if extra in divergences:
            given = divergences[extra].fillna("").astype(str)
            signature = signature.where(given == "", signature + SEPARATOR + given)
    return signature


def cluster_id(signature: str) -> str:
    """A short, stable name for a signature: the same cause has the same id in every run."""
    return hashlib.sha256(signature.encode()).hexdigest()[:8]


def clusters(divergences: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster, ranked by people affected, then money at stake; its example is its largest stake."""
    if divergences.empty:
        return pd.DataFrame(
            columns=[
                "rank",
                "cluster",
                "signature",
                "stoppages",
                "people",
                "at_stake_cents",
                "under_cents",
                "accepted",
                "example",
            ]
        )
    ordered = divergences.sort_values(["at_stake_cents", "number"], ascending=[False, True])
    grouped = ordered.groupby("cluster", sort=False)
    found = (
        pd.DataFrame(
            {
                "signature": grouped["signature"].first(),
                "stoppages": grouped.size(),
                "people": grouped["nir"].nunique(),
                "at_stake_cents": grouped["at_stake_cents"].sum(),
                "under_cents": grouped["under_cents"].sum(),
                "accepted": grouped["waiver"].count() if "waiver" in divergences else 0,
                "example": grouped["number"].first(),
            }
        )
        .rename_axis("cluster")
        .reset_index()
    )
    found = found.sort_values(["people", "at_stake_cents", "cluster"], ascending=[False, False, True])
    found.insert(0, "rank", np.arange(1, len(found) + 1))
    return found.reset_index(drop=True)


def assign(divergences: pd.DataFrame) -> pd.DataFrame:
    """The divergences with their ``signature`` and ``cluster``."""
    signature = signatures(divergences)
    return divergences.assign(signature=signature, cluster=signature.map(cluster_id))
