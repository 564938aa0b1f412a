"""The shadow runner: every dossier of an extract under control, candidate and referee, compared and stored.

The extract is read once into the new model's rows and cut into
partitions of whole persons (a person's records are contiguous in an
extract, so a partition is a range of record indexes). Each partition runs
:func:`bascule.compare.partition.run_partition` in a local process pool;
the divergences are then clustered, waivers applied, and the run stored.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, insert, update

import bascule
from bascule.compare import clusters
from bascule.compare.due import SETTLEMENT_LAG_DAYS
from bascule.compare.partition import CANDIDATE, CONTROL, REFEREE, PartitionResult, PartitionTask, run_partition
from bascule.compare.store import Cluster, Divergence, ShadowRun, Unsupported
from bascule.compare.verdicts import FIXED
from bascule.compare.waivers import Acceptances, apply_waivers
from bascule.engines.inputs import rows_from_extract
from bascule.engines.interface import EngineSpec, load_engine
from bascule.engines.ledger import Ledger
from bascule.engines.reference.plugin import parameters_version
from bascule.migrate.migration import file_sha256
from bascule.migrate.model import RunStatus

PARTITION_PERSONS = 10_000


@dataclass(frozen=True)
class ShadowOptions:
    control: EngineSpec = EngineSpec("progres-replay")
    candidate: EngineSpec = EngineSpec("reference")
    referee: EngineSpec | None = None
    workers: int = 1
    partition_persons: int = PARTITION_PERSONS
    settlement_lag: int = SETTLEMENT_LAG_DAYS
    copybook: str | None = None

    @property
    def engines(self) -> dict[str, EngineSpec]:
        roles = {CONTROL: self.control, CANDIDATE: self.candidate}
        return roles | ({REFEREE: self.referee} if self.referee else {})

    def to_dict(self) -> dict[str, object]:
        return {
            "control": str(self.control),
            "candidate": str(self.candidate),
            "referee": str(self.referee) if self.referee else None,
            "workers": self.workers,
            "partition_persons": self.partition_persons,
            "settlement_lag_days": self.settlement_lag,
            "copybook": self.copybook,
        }


@dataclass
class Found:
    """Everything the partitions found, put together."""

    ledgers: dict[str, Ledger]
    divergences: pd.DataFrame
    unsupported: pd.DataFrame
    stoppages: pd.DataFrame
    lineage: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)


def shadow(
    extract: str | Path,
    options: ShadowOptions,
    acceptances: Acceptances,
    database: Engine,
    store_root: Path,
    on_progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
    family: str | None = None,
    migration: dict[str, object] | None = None,
) -> int:
    """Run, compare and store; returns the run's id. ``on_progress(persons_done, persons)``.

    ``family`` names the dry runs compared over time (by default the caisse's);
    ``migration`` is what a dry run found reading, migrating and verifying the extract.
    """
    started = time.perf_counter()
    engines = {role: load_engine(spec) for role, spec in options.engines.items()}  # fail early, before reading
    sha256 = file_sha256(Path(extract))
    rows, extraction_date = rows_from_extract(extract, options.copybook)
    read_seconds = time.perf_counter() - started
    described = _described_engines(options, engines)
    run_id = _open_run(database, extract, sha256, rows, extraction_date, options, described, acceptances, store_root)
    _set(database, run_id, family=family or default_family(rows), migration=migration)
    try:
        found = _combined(_run_partitions(rows, extraction_date, options, acceptances, on_progress))
    except BaseException:
        _forget_run(database, run_id)  # an engine failed or the user interrupted: no half run is kept
        raise
    divergences = clusters.assign(found.divergences)
    divergences["waiver"], uses = apply_waivers(divergences, acceptances, today or dt.date.today())
    ranked = clusters.clusters(divergences)
    folder = store_root / f"run-{run_id}"
    _write_parquet(folder, found)
    timings = {"read": read_seconds, **found.seconds, "total": time.perf_counter() - started}
    _close_run(database, run_id, rows, found.stoppages, divergences, ranked, found.unsupported, uses, timings)
    return run_id


# ------------------------------------------------------------- partitions
def partitions(rows: dict[str, pd.DataFrame], persons: int) -> Iterator[dict[str, pd.DataFrame]]:
    """The rows cut into groups of ``persons`` whole persons, by ranges of record index."""
    sorted_rows = {code: frame.sort_values("record_index", kind="stable") for code, frame in rows.items()}
    starts = sorted_rows["AS"]["record_index"].to_numpy()[::persons]
    bounds = [*starts[1:], np.iinfo(np.int64).max]
    for low, high in zip(starts, bounds, strict=True):
        yield {code: _between(frame, low, high) for code, frame in sorted_rows.items()}


def _between(frame: pd.DataFrame, low: int, high: int) -> pd.DataFrame:
    index = frame["record_index"].to_numpy()
    return frame.iloc[np.searchsorted(index, low) : np.searchsorted(index, high)].reset_index(drop=True)


def _run_partitions(
    rows: dict[str, pd.DataFrame],
    extraction_date: dt.date,
    options: ShadowOptions,
    acceptances: Acceptances,
    on_progress: Callable[[int, int], None] | None,
) -> Iterator[PartitionResult]:
    persons = len(rows["AS"])
    tasks = [
        PartitionTask(part, extraction_date, options.engines, options.settlement_lag, acceptances.tolerances)
        for part in partitions(rows, options.partition_persons)
    ]
    done = 0
    if options.workers <= 1 or len(tasks) == 1:
        for task in tasks:
            yield run_partition(task)
            done += len(task.rows["AS"])
            if on_progress:
                on_progress(done, persons)
        return
    with ProcessPoolExecutor(max_workers=min(options.workers, len(tasks))) as pool:
        futures = {pool.submit(run_partition, task): len(task.rows["AS"]) for task in tasks}
        for future in as_completed(futures):
            yield future.result()
            done += futures[future]
            if on_progress:
                on_progress(done, persons)


def _combined(results: Iterator[PartitionResult]) -> Found:
    results = list(results)
    roles = list(results[0].ledgers) if results else []
    ledgers = {
        role: Ledger(
            pd.concat([r.ledgers[role].lines for r in results], ignore_index=True),
            pd.concat([r.ledgers[role].outcomes for r in results], ignore_index=True),
            results[0].ledgers[role].knows_rights_end,
        )
        for role in roles
    }
    seconds: dict[str, float] = {}
    for result in results:
        for name, value in result.seconds.items():
            seconds[name] = seconds.get(name, 0.0) + value
    return Found(
        ledgers,
        pd.concat([r.divergences for r in results], ignore_index=True),
        pd.concat([r.unsupported for r in results], ignore_index=True),
        pd.concat([r.stoppages for r in results], ignore_index=True),
        pd.concat([r.lineage for r in results], ignore_index=True),
        seconds,
    )


# ------------------------------------------------------------------ store
def default_store_root(database: Engine) -> Path:
    """Beside a SQLite file: ``NAME-runs/``; for a server database, ``bascule-runs/`` here."""
    if database.dialect.name == "sqlite" and database.url.database not in (None, "", ":memory:"):
        path = Path(database.url.database)
        return path.with_name(f"{path.stem}-runs")
    return Path("bascule-runs")


def _open_run(
    database: Engine,
    extract: str | Path,
    sha256: str,
    rows: dict[str, pd.DataFrame],
    extraction_date: dt.date,
    options: ShadowOptions,
    described: dict[str, dict[str, object]],
    acceptances: Acceptances,
    store_root: Path,
) -> int:
    with database.begin() as connection:
        return connection.execute(
            insert(ShadowRun).returning(ShadowRun.id),
            {
                "status": RunStatus.RUNNING,
                "started": dt.datetime.now(dt.UTC),
                "bascule_version": bascule.__version__,
                "extract_path": str(Path(extract).resolve()),
                "extract_sha256": sha256,
                "family": "",
                "caisse": int(rows["AS"]["caisse"].iloc[0]) if len(rows["AS"]) else None,
                "extraction_date": extraction_date,
                "engines": described,
                "parameters_version": parameters_version(),
                "waivers": {
                    "file": acceptances.source or None,
                    "text": acceptances.text,
                    "tolerances": {k: vars(t) for k, t in acceptances.tolerances.items()},
                },
                "options": options.to_dict(),
                "timings": {},
                "store_path": str(store_root.resolve()),
                "persons": len(rows["AS"]),
                "stoppages": len(rows["AR"]),
                "divergent": 0,
                "accepted": 0,
                "unresolved": 0,
                "categories": {},
            },
        ).scalar_one()


def default_family(rows: dict[str, pd.DataFrame]) -> str:
    """The runs of one caisse's extracts form a family, unless told otherwise."""
    caisses = rows["AS"]["caisse"].unique() if len(rows["AS"]) else []
    return f"caisse-{caisses[0]}" if len(caisses) == 1 else "extract"


def _described_engines(options: ShadowOptions, engines: dict[str, object]) -> dict[str, dict[str, object]]:
    return {
        role: {
            "spec": str(spec),
            "name": engines[role].name,
            "version": engines[role].version,
            "traces": engines[role].traces,
            "source_sha256": _source_sha256(spec),
        }
        for role, spec in options.engines.items()
    }


def _set(database: Engine, run_id: int, **values: object) -> None:
    with database.begin() as connection:
        connection.execute(update(ShadowRun).where(ShadowRun.id == run_id), values)


def _source_sha256(spec: EngineSpec) -> str | None:
    """The hash of an engine's input file (an external system's results), so a run names exactly what it read."""
    path = Path(spec.source) if spec.source else None
    return file_sha256(path) if path is not None and path.is_file() else None


def _forget_run(database: Engine, run_id: int) -> None:
    with database.begin() as connection:
        connection.execute(delete(ShadowRun).where(ShadowRun.id == run_id))


def _write_parquet(folder: Path, found: Found) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for role, ledger in found.ledgers.items():
        ledger.lines.to_parquet(folder / f"{role}.lines.parquet", index=False)
        ledger.outcomes.to_parquet(folder / f"{role}.outcomes.parquet", index=False)
    found.stoppages.to_parquet(folder / "stoppages.parquet", index=False)
    found.lineage.to_parquet(folder / "lineage.parquet", index=False)


def unresolved(divergences: pd.DataFrame) -> pd.Series:
    """Divergences no waiver accepts and the referee does not explain as a legacy defect fixed."""
    return divergences["waiver"].isna() & (divergences["verdict"] != FIXED)


def _close_run(
    database: Engine,
    run_id: int,
    rows: dict[str, pd.DataFrame],
    stoppages: pd.DataFrame,
    divergences: pd.DataFrame,
    ranked: pd.DataFrame,
    unsupported: pd.DataFrame,
    uses: pd.DataFrame,
    timings: dict[str, float],
) -> None:
    with database.begin() as connection:
        if len(divergences):
            connection.execute(insert(Divergence), _divergence_rows(run_id, divergences))
        if len(ranked):
            connection.execute(insert(Cluster), _records(ranked.assign(run_id=run_id)))
        if len(unsupported):
            connection.execute(insert(Unsupported), _records(unsupported.assign(run_id=run_id)))
        run = connection.execute(
            update(ShadowRun).where(ShadowRun.id == run_id).returning(ShadowRun.waivers),
            {
                "status": RunStatus.COMPLETE,
                "finished": dt.datetime.now(dt.UTC),
                "timings": {name: round(seconds, 3) for name, seconds in timings.items()},
                "divergent": len(divergences),
                "accepted": int(divergences["waiver"].notna().sum()) if len(divergences) else 0,
                "unresolved": int(unresolved(divergences).sum()) if len(divergences) else 0,
                "categories": _categories(stoppages, divergences),
            },
        ).scalar_one()
        connection.execute(
            update(ShadowRun).where(ShadowRun.id == run_id), {"waivers": {**run, "uses": _records(uses)}}
        )


def _divergence_rows(run_id: int, divergences: pd.DataFrame) -> list[dict[str, object]]:
    columns = [c.name for c in Divergence.__table__.columns if c.name != "run_id"]
    frame = divergences.assign(
        run_id=run_id,
        kinds=divergences["kinds"].map("+".join),
        referee_cents=divergences.get("referee_cents"),
        first_day=pd.to_datetime(divergences["first_day"]).dt.date,
        last_day=pd.to_datetime(divergences["last_day"]).dt.date,
    )
    return _records(frame[["run_id", *columns]])


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as plain Python values (None for missing) for the database driver."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()} for row in plain.to_dict("records")
    ]


def _categories(stoppages: pd.DataFrame, divergences: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per case category: stoppages compared, divergent, and left unresolved."""
    counts = stoppages.groupby("category").size()
    divergent = divergences.groupby("category").size() if len(divergences) else pd.Series(dtype=int)
    open_ = divergences[unresolved(divergences)].groupby("category").size() if len(divergences) else divergent
    return {
        name: {"stoppages": int(n), "divergent": int(divergent.get(name, 0)), "unresolved": int(open_.get(name, 0))}
        for name, n in counts.items()
    }


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
