"""Read a stored shadow run back: what reports show (they never recompute)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.compare.diff import LATE_COLUMNS
from bascule.compare.record import TIMELINESS
from bascule.compare.store import Cluster, Divergence, ShadowRun, Unsupported
from bascule.engines.ledger import Ledger
from bascule.errors import BasculeError
from bascule.privacy import person_names, pseudonym_key

ROLES = ("control", "candidate", "referee")


class RunNotFound(BasculeError):
    """No shadow run of that id in the database."""


@dataclass
class StoredRun:
    run: ShadowRun
    divergences: pd.DataFrame
    clusters: pd.DataFrame
    unsupported: pd.DataFrame

    def persons(self, nirs: pd.Series, reveal: bool = False) -> pd.Series:
        """How reports name these people: keyed pseudonyms, or their NIRs when revealed."""
        return person_names(nirs, None if reveal else pseudonym_key(Path(self.run.store_path)))

    @property
    def folder(self) -> Path:
        return Path(self.run.store_path) / f"run-{self.run.id}"

    def ledger(self, role: str, numbers: list[str] | None = None) -> Ledger | None:
        """An engine's ledger from the run's Parquet files (only some stoppages if given)."""
        lines = self.folder / f"{role}.lines"
        if not lines.is_dir():
            return None
        where = [("number", "in", numbers)] if numbers else None
        return Ledger(
            pd.read_parquet(lines, filters=where),
            pd.read_parquet(self.folder / f"{role}.outcomes", filters=where),
        )

    def lineage(self, number: str) -> str:
        """The legacy records of a stoppage by type, as ``AR 2; EM 3; SA 4; SL 5,6,7; PA 8``."""
        records = pd.read_parquet(self.folder / "lineage", filters=[("number", "==", number)])
        by_type = records.groupby("record_type", sort=False)["record_index"].agg(lambda r: ",".join(map(str, r)))
        return "; ".join(f"{code} {indexes}" for code, indexes in by_type.items())

    def stoppages(self, numbers: list[str] | None = None) -> pd.DataFrame:
        where = [("number", "in", numbers)] if numbers else None
        return pd.read_parquet(self.folder / "stoppages", filters=where)


def load_run(database: Engine, run_id: int) -> StoredRun:
    with Session(database) as session:
        run = session.get(ShadowRun, run_id)
        if run is None:
            raise RunNotFound(
                f"no shadow run {run_id} in this database (bascule shadow stores one; --db names another)"
            )
        connection = session.connection()
        divergences, clusters, unsupported = (
            pd.read_sql(select(table).where(table.run_id == run_id), connection)
            for table in (Divergence, Cluster, Unsupported)
        )
    divergences = with_timeliness(divergences, Path(run.store_path) / f"run-{run.id}" / TIMELINESS)
    return StoredRun(run, divergences, clusters.sort_values("rank").reset_index(drop=True), unsupported)


def with_timeliness(divergences: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The divergences with what each was paid late (none: 0 cents, no date), read from the run's Parquet file."""
    late = pd.read_parquet(path) if path.is_file() else pd.DataFrame({"number": pd.Series([], dtype=object)})
    found = divergences.merge(late, on="number", how="left")
    for column, kind in LATE_COLUMNS.items():
        given = found[column] if column in found else pd.Series(index=found.index, dtype="float64")
        found[column] = (
            given.fillna(0).to_numpy(dtype=kind) if kind.kind == "i" else pd.to_datetime(given).to_numpy(dtype=kind)
        )
    return found


def timeliness_compared(run: ShadowRun) -> str | None:
    """Why the run did not compare when the money is paid (a side gave no payment date), or None: it did.

    A run says which of its engines gave payment dates (``paid_dates``); a run made before bascule compared
    them does not say.
    """
    said = {role: run.engines.get(role, {}).get("paid_dates") for role in ("control", "candidate")}
    if None in said.values():
        return "the run does not say whether its engines gave payment dates (made before bascule compared them)"
    without = [f"the {role} ({run.engines[role]['name']})" for role, dated in said.items() if not dated]
    if not without:
        return None
    return f"{' and '.join(without)} {'give' if len(without) > 1 else 'gives'} no payment dates"
