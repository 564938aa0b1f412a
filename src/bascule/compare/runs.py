"""Read a stored shadow run back: what reports show (they never recompute)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.compare.diff import LATE_COLUMNS
from bascule.compare.record import TIMELINESS
from bascule.compare.run_store import checked_store
from bascule.compare.store import Cluster, Divergence, ShadowRun, Unsupported
from bascule.compare.waivers import CASE_FEATURES
from bascule.engines.ledger import Ledger
from bascule.errors import BasculeError
from bascule.leases import Holder, database_now, is_alive, utc
from bascule.migrate.model import RunStatus
from bascule.privacy import person_names, pseudonym_key

ROLES = ("control", "candidate", "referee")


class RunNotFound(BasculeError):
    """No shadow run of that id in the database."""


class RunIncomplete(BasculeError):
    """A shadow run that did not complete (still running, or interrupted): nothing reports, seals or compares it."""


@dataclass
class StoredRun:
    run: ShadowRun
    divergences: pd.DataFrame
    clusters: pd.DataFrame
    unsupported: pd.DataFrame
    database: Engine | None = None  # the run's own: its store's marker is checked against it

    def persons(self, nirs: pd.Series, reveal: bool = False) -> pd.Series:
        """How reports name these people: keyed pseudonyms (the run store's key), or their NIRs when revealed."""
        return person_names(nirs, None if reveal else pseudonym_key(self._store))

    @property
    def folder(self) -> Path:
        return self._store / f"run-{self.run.id}"

    @cached_property
    def _store(self) -> Path:
        """The run store the run was written to, refused if it is marked as another database's."""
        store = Path(self.run.store_path)
        return store if self.database is None else checked_store(self.database, store)

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
        if run.status is not RunStatus.COMPLETE:
            raise RunIncomplete(incomplete(run, is_alive(run.holder, run.heartbeat, database_now(connection))))
        divergences, clusters, unsupported = (
            pd.read_sql(select(table).where(table.run_id == run_id), connection)
            for table in (Divergence, Cluster, Unsupported)
        )
    divergences = with_timeliness(divergences, Path(run.store_path) / f"run-{run.id}" / TIMELINESS)
    return StoredRun(run, divergences, clusters.sort_values("rank").reset_index(drop=True), unsupported, database)


def incomplete(run: ShadowRun, alive: bool) -> str:
    """Why a run that did not complete cannot be used, and what to do."""
    holder = Holder.parse(run.holder)
    by = holder.shown if holder else "a process"
    if run.status is RunStatus.RUNNING and alive:
        since = utc(run.started).strftime("%Y-%m-%d %H:%M")
        return f"shadow run {run.id} is still running, by {by} since {since} UTC: wait for it to finish, then rerun"
    if run.status is RunStatus.RUNNING:
        return (
            f"shadow run {run.id} is interrupted ({by}, which ran it, is gone): it never finished; "
            "rerun the dry run (bascule runs --repair marks it and removes its partial files)"
        )
    return (
        f"shadow run {run.id} is {run.status.value}: it never finished (its partial files are removed); "
        "rerun the dry run"
    )


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
