"""The shadow runner: every dossier of an extract under control, candidate and referee, compared and stored.

The extract is read as a stream of partitions of whole persons
(:mod:`bascule.compare.reading`); each partition runs
:func:`bascule.compare.partition.run_partition` in a local process pool,
a bounded number at a time, and its bulk results go to the run's Parquet
files as soon as it is done: memory follows the partition size and the
number of workers, not the extract. The divergences are then clustered,
waivers applied, and the run stored.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from bascule.compare import clusters, record
from bascule.compare.diff import Tolerance, empty_divergences
from bascule.compare.due import SETTLEMENT_LAG_DAYS
from bascule.compare.partition import CANDIDATE, CONTROL, REFEREE, PartitionResult, PartitionTask, run_partition
from bascule.compare.reading import PARTITION_BYTES, Partition, partitions, stoppage_numbers
from bascule.compare.waivers import Acceptances, apply_waivers
from bascule.engines.interface import Engine as ComputingEngine
from bascule.engines.interface import EngineSpec, load_engine
from bascule.files import check_writable_folder
from bascule.migrate.migration import file_sha256


@dataclass(frozen=True)
class ShadowOptions:
    control: EngineSpec = EngineSpec("progres-replay")
    candidate: EngineSpec = EngineSpec("reference")
    referee: EngineSpec | None = None
    workers: int = 1
    partition_bytes: int = PARTITION_BYTES
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
            "partition_bytes": self.partition_bytes,
            "settlement_lag_days": self.settlement_lag,
            "copybook": self.copybook,
        }


class Collected:
    """What the partitions found, gathered as they finish; their bulk is written to Parquet at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts = 0
        self.persons = self.stoppages = 0
        self.divergences: list[pd.DataFrame] = []
        self.unsupported: list[pd.DataFrame] = []
        self.categories = pd.Series(dtype="int64")
        self.seconds: dict[str, float] = {}

    def add(self, result: PartitionResult | None, persons: int) -> None:
        self.persons += persons
        if result is None:
            return
        record.write_parts(self.folder, self.parts, result)
        self.parts += 1
        self.stoppages += len(result.stoppages)
        self.divergences.append(result.divergences)
        self.unsupported.append(result.unsupported)
        counts = result.stoppages["category"].value_counts()
        self.categories = self.categories.add(counts, fill_value=0).astype("int64")
        for name, seconds in result.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def all_divergences(self) -> pd.DataFrame:
        return pd.concat(self.divergences, ignore_index=True) if self.divergences else empty_divergences()

    def all_unsupported(self) -> pd.DataFrame:
        return pd.concat(self.unsupported, ignore_index=True) if self.unsupported else pd.DataFrame()


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
    """Run, compare and store; returns the run's id. ``on_progress(bytes_done, bytes)`` of the extract.

    ``family`` names the dry runs compared over time (by default the caisse's);
    ``migration`` is what a dry run found reading, migrating and verifying the extract.
    """
    started = time.perf_counter()
    engines = prepared_engines(extract, options)  # fail early, before reading
    check_writable_folder(store_root, "run store")
    made_store = not store_root.exists()
    path = Path(extract)
    reading = _Timed(partitions(path, options.copybook, options.partition_bytes))
    first = next(reading)  # the HD record: the extraction date and the caisse
    run_id = record.open_run(
        database,
        extract_path=str(path.resolve()),
        extract_sha256=file_sha256(path),
        family=family or f"caisse-{first.caisse}",
        caisse=int(first.caisse) if first.caisse.isdigit() else None,
        extraction_date=first.extraction_date,
        engines=_described(options, engines),
        parameters_version=_parameters_version(engines),
        waivers=record.waivers_of(acceptances),
        options=options.to_dict(),
        store_path=str(store_root.resolve()),
        migration=migration,
    )
    collected = Collected(store_root / f"run-{run_id}")
    parts = itertools.chain([first], reading)
    try:
        for result, persons in _computed(parts, options, acceptances.tolerances, path.stat().st_size, on_progress):
            collected.add(result, persons)
        divergences = clusters.assign(collected.all_divergences())
        divergences["waiver"], uses = apply_waivers(divergences, acceptances, today or dt.date.today())
        timings = {"read": reading.seconds, **collected.seconds, "total": time.perf_counter() - started}
        record.close_run(
            database,
            run_id,
            divergences,
            clusters.clusters(divergences),
            collected.all_unsupported(),
            uses,
            persons=collected.persons,
            stoppages=collected.stoppages,
            categories=record.categories(collected.categories, divergences),
            timings={name: round(seconds, 3) for name, seconds in timings.items()},
        )
    except BaseException:
        record.forget_run(database, run_id)  # an engine failed or the user interrupted: no half run is kept
        shutil.rmtree(collected.folder, ignore_errors=True)
        if made_store and store_root.is_dir() and not any(store_root.iterdir()):
            store_root.rmdir()
        raise
    return run_id


def prepared_engines(extract: str | Path, options: ShadowOptions) -> dict[str, ComputingEngine]:
    """The run's engines, built and checked against the extract: what is wrong with them is said before any work.

    An engine may check what it computes from against the extract's stoppage
    numbers (``check_extract(numbers)``): the external engine refuses rows
    for stoppages the extract does not hold.
    """
    engines = {role: load_engine(spec) for role, spec in options.engines.items()}
    checking = [engine for engine in engines.values() if hasattr(engine, "check_extract")]
    if checking:
        numbers = stoppage_numbers(extract, options.copybook)
        for engine in checking:
            engine.check_extract(numbers)
    return engines


class _Timed:
    """An iterator that counts the time spent producing its items (here: reading the extract)."""

    def __init__(self, items: Iterator[Partition]) -> None:
        self.items, self.seconds = items, 0.0

    def __iter__(self) -> Iterator[Partition]:
        return self

    def __next__(self) -> Partition:
        started = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - started


def _computed(
    parts: Iterator[Partition],
    options: ShadowOptions,
    tolerances: dict[str, Tolerance],
    total_bytes: int,
    on_progress: Callable[[int, int], None] | None,
) -> Iterator[tuple[PartitionResult | None, int]]:
    """Each partition's result (None for one without stoppages) and its persons, as they finish."""
    done = 0

    def progressed(size: int) -> None:
        nonlocal done
        done += size
        if on_progress:
            on_progress(done, total_bytes)

    def task(part: Partition) -> PartitionTask:
        return PartitionTask(part.rows, part.extraction_date, options.engines, options.settlement_lag, tolerances)

    if options.workers <= 1:
        for part in parts:
            yield (run_partition(task(part)) if len(part.rows["AR"]) else None), len(part.rows["AS"])
            progressed(part.size_bytes)
        return
    with ProcessPoolExecutor(max_workers=options.workers) as pool:
        pending: dict[Future, tuple[int, int]] = {}  # at most two partitions a worker in memory
        for part in parts:
            if not len(part.rows["AR"]):
                yield None, len(part.rows["AS"])
                progressed(part.size_bytes)
                continue
            pending[pool.submit(run_partition, task(part))] = (len(part.rows["AS"]), part.size_bytes)
            if len(pending) >= 2 * options.workers:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    persons, size = pending.pop(future)
                    yield future.result(), persons
                    progressed(size)
        for future in list(pending):
            persons, size = pending.pop(future)
            yield future.result(), persons
            progressed(size)


def _described(options: ShadowOptions, engines: dict[str, ComputingEngine]) -> dict[str, dict[str, object]]:
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


def _parameters_version(engines: dict[str, ComputingEngine]) -> str:
    """The legal parameter sets the engines computed with: those that declare one (the reference engine does)."""
    declared = {getattr(engine, "parameters_version", "") for engine in engines.values()}
    return ",".join(sorted(v for v in declared if v))[:40]


def _source_sha256(spec: EngineSpec) -> str | None:
    """The hash of an engine's input file (an external system's results), so a run names exactly what it read."""
    path = Path(spec.source) if spec.source else None
    return file_sha256(path) if path is not None and path.is_file() else None


def default_store_root(database: Engine) -> Path:
    """Beside a SQLite file: ``NAME-runs/``; for a server database, ``bascule-runs/`` here."""
    if database.dialect.name == "sqlite" and database.url.database not in (None, "", ":memory:"):
        path = Path(database.url.database)
        return path.with_name(f"{path.stem}-runs")
    return Path("bascule-runs")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
