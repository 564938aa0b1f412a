"""One part of an extract, done by one worker from its bytes to its results: the dry run's single pass.

A worker is given a part's place in the file and what the scan knows
about it (:class:`~bascule.legacy_adapters.reader.PartFacts`). It reads
and decodes the part, validates and translates it once, loads it into the
new model in its own transaction when the migration still needs it,
computes every engine on exactly those model rows, compares them, and
writes the part's Parquet files. Only small summaries come back: counts,
reasons, divergences. A job is a plain value and :func:`run_part` a plain
function, so a local process pool or a Dask cluster's workers run it
alike; running it again for the same part gives the same files and rows
(its load is skipped once committed), so a lost task can be retried.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine as Database
from sqlalchemy.exc import IntegrityError

from bascule.compare.diff import Tolerance
from bascule.compare.partition import PartitionTask, run_partition
from bascule.compare.record import write_parts
from bascule.engines.inputs import with_every_table
from bascule.engines.interface import Engine, EngineSpec, PartEngines
from bascule.legacy_adapters.reader import ExtractChunk, PartFacts, PartReader, PartSummary
from bascule.migrate.database import open_database
from bascule.migrate.migration import load_chunk
from bascule.migrate.model import MigrationChunk
from bascule.migrate.translate import to_rows
from bascule.migrate.validate import accepted


@dataclass(frozen=True)
class Loading:
    """Load the part into the new model: the database's URL (each worker opens its own) and the migration run."""

    database: str
    run_id: int


@dataclass(frozen=True)
class Computing:
    """Compute and compare the part: the engines by role, the comparison's settings, where its Parquet goes."""

    engines: dict[str, EngineSpec]
    extraction_date: dt.date
    settlement_lag: int
    tolerances: dict[str, Tolerance]
    folder: str
    # role → where its ledger of each part is read instead of computed: an external system's results split by
    # part once, or an earlier run's ledger (a cached rerun)
    given: dict[str, PartEngines] = field(default_factory=dict)


@dataclass(frozen=True)
class PartJob:
    reader: PartReader
    facts: PartFacts
    loading: Loading | None = None  # None: the part is in the model already, or this is a shadow run alone
    computing: Computing | None = None  # None: a migration alone


@dataclass
class PartDone:
    """What a part gives back to the main process: small, whatever the part's size."""

    number: int
    size_bytes: int
    reading: PartSummary
    persons: int = 0
    stoppages: int = 0
    divergences: pd.DataFrame | None = None
    unsupported: pd.DataFrame | None = None
    categories: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    seconds: dict[str, float] = field(default_factory=dict)
    paid_dates: dict[str, bool] = field(default_factory=dict)  # role → whether its ledger said when it paid


def run_part(job: PartJob) -> PartDone:
    started = time.perf_counter()
    chunk, reading = job.reader.read(job.facts)
    frames, migration_problems = accepted(chunk.frames)
    model_rows = to_rows(frames)
    part = job.facts.part
    done = PartDone(part.number, chunk.record_count * job.reader.layout.record_size, reading)
    done.persons = len(model_rows.get("AS", ()))
    done.seconds["read"] = time.perf_counter() - started
    # The load runs beside the computation: a SQLite writer that waits for another worker's transaction
    # (and the database's own work, done without Python's lock) does not hold the part's engines back.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bascule-load") as writer:
        loading = job.loading
        loaded = (
            writer.submit(_load, loading, job.reader, chunk, frames, migration_problems, model_rows)
            if loading
            else None
        )
        if job.computing is not None:
            _compute(job.computing, part.number, with_every_table(dict(model_rows)), done)
        if loaded is not None:
            done.seconds["load"] = loaded.result()
    return done


def _load(
    loading: Loading,
    reader: PartReader,
    chunk: ExtractChunk,
    frames: dict[str, pd.DataFrame],
    migration_problems: pd.DataFrame,
    model_rows: dict[str, pd.DataFrame],
) -> float:
    """Load the part in its own transaction, once; returns the seconds it took."""
    started = time.perf_counter()
    database, run_id, first = _database(loading.database), loading.run_id, chunk.first_index
    if not _committed(database, run_id, first):  # a retried part was perhaps loaded before
        try:
            with database.begin() as connection:
                load_chunk(connection, run_id, chunk, frames, migration_problems, model_rows, reader)
        except IntegrityError:
            if not _committed(database, run_id, first):
                raise
            # a twin of this part (a task the cluster thought lost) committed it first: the rows are there
    return time.perf_counter() - started


def _compute(computing: Computing, number: int, rows: dict[str, pd.DataFrame], done: PartDone) -> None:
    if not len(rows["AR"]):
        return
    given: dict[str, Engine] = {role: source.of(number) for role, source in computing.given.items()}
    task = PartitionTask(
        rows, computing.extraction_date, computing.engines, computing.settlement_lag, computing.tolerances, given
    )
    result = run_partition(task)
    started = time.perf_counter()
    write_parts(Path(computing.folder), number, result)
    done.stoppages = len(result.stoppages)
    done.divergences, done.unsupported = result.divergences, result.unsupported
    done.categories = result.stoppages["category"].value_counts()
    done.paid_dates = result.paid_dates
    done.seconds |= result.seconds | {"write": time.perf_counter() - started}


def _committed(database: Database, run_id: int, first_index: int) -> bool:
    found = select(MigrationChunk.first_index).where(
        MigrationChunk.run_id == run_id, MigrationChunk.first_index == first_index
    )
    with database.connect() as connection:
        return connection.execute(found).first() is not None


def _database(url: str) -> Database:
    """One engine a process and database: its pool keeps the worker's connection between parts."""
    return _database_of_process(url, os.getpid())


@cache
def _database_of_process(url: str, _pid: int) -> Database:
    # keyed by the process too: a forked worker never uses a connection its parent opened
    return open_database(url)
