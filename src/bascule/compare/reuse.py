"""Cached reruns: when only the candidate changed, the control's and the referee's ledgers are read, not computed.

A fix release of the new system is compared with the same legacy and the
same reference as the last run: their ledgers depend only on the extract,
the engine (its name, version and parameter set, the hash of its input),
and the options that cut and compare the parts. An earlier complete run
of the run store that had all of these the same for a role, and whose
Parquet files are still there, gives that role's ledger part by part
(:class:`StoredLedger`); the new run records which run it reused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.compare.partition import CANDIDATE
from bascule.compare.run_store import checked_store
from bascule.compare.store import ShadowRun
from bascule.engines.interface import Batch
from bascule.engines.ledger import Ledger
from bascule.migrate.model import RunStatus

SAME_OPTIONS = ("partition_bytes", "settlement_lag_days", "copybook")  # what cuts the parts and bounds the days


@dataclass(frozen=True)
class StoredLedger:
    """An engine that reads a role's ledger of one part from an earlier run's Parquet files."""

    folder: str  # the earlier run's folder
    role: str
    version: str
    run_id: int
    name: str = "stored"
    traces: bool = True
    part: int | None = None

    def of(self, part: int) -> StoredLedger:
        return replace(self, part=part)

    def compute(self, batch: Batch) -> Ledger:
        name = f"part-{self.part or 0:05d}.parquet"
        lines = pd.read_parquet(Path(self.folder) / f"{self.role}.lines" / name)
        outcomes = pd.read_parquet(Path(self.folder) / f"{self.role}.outcomes" / name)
        return Ledger(lines, outcomes)


def reusable(
    database: Engine,
    extract_sha256: str,
    engines: dict[str, dict[str, object]],
    options: dict[str, object],
    excluded: set[str],
) -> dict[str, StoredLedger]:
    """For each role but the candidate (and the ``excluded``), the latest earlier run whose ledger it can reuse."""
    query = (
        select(ShadowRun)
        .where(ShadowRun.extract_sha256 == extract_sha256, ShadowRun.status == RunStatus.COMPLETE)
        .order_by(ShadowRun.id.desc())
    )
    with Session(database) as session:
        earlier = list(session.scalars(query))
    found: dict[str, StoredLedger] = {}
    for role, described in engines.items():
        if role == CANDIDATE or role in excluded:
            continue
        for run in earlier:
            if _same(run, role, described, options):
                folder = checked_store(database, Path(run.store_path)) / f"run-{run.id}"  # this database's
                found[role] = StoredLedger(str(folder), role, str(described["version"]), run.id)
                break
    return found


def _same(run: ShadowRun, role: str, described: dict[str, object], options: dict[str, object]) -> bool:
    """The earlier run computed this role with the same engine and options, and its files are still there."""
    theirs = (run.engines or {}).get(role)
    # a run that does not say whether its ledgers hold payment dates was made before they were read: not reused
    if theirs is None or "paid_dates" not in theirs:
        return False
    if {k: v for k, v in theirs.items() if k not in ("reused_from_run", "paid_dates")} != described:
        return False
    if any((run.options or {}).get(name) != options.get(name) for name in SAME_OPTIONS):
        return False
    folder = Path(run.store_path) / f"run-{run.id}"
    return (folder / f"{role}.lines").is_dir() and (folder / f"{role}.outcomes").is_dir()
