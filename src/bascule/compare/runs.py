"""Read a stored shadow run back: what reports show (they never recompute)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.compare.store import Cluster, Divergence, ShadowRun, Unsupported
from bascule.compare.waivers import CASE_FEATURES
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
        if self.run.stoppages == 0 and not (self.folder / "stoppages").is_dir():
            # an extract of persons only: no part had a stoppage to write; the columns a part's would have
            return pd.DataFrame(columns=["number", *CASE_FEATURES, "horizon"])
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
    return StoredRun(run, divergences, clusters.sort_values("rank").reset_index(drop=True), unsupported)
