"""The shadow runner: every dossier of an extract under control, candidate and referee, compared and stored.

The main process scans the extract once (:mod:`bascule.legacy_adapters.plan`)
and only schedules: each worker reads its part of whole persons for
itself and computes, compares and writes it (:mod:`bascule.one_pass`),
a bounded number at a time, in a local process pool or on a Dask
cluster (:mod:`bascule.scheduling`): memory follows the part size and the
number of workers, not the extract. The divergences are then clustered,
waivers applied, and the run stored.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
from sqlalchemy import Engine

from bascule.compare import clusters, record
from bascule.compare.diff import empty_divergences
from bascule.compare.interrupted import repair_runs
from bascule.compare.partition import CANDIDATE, CONTROL, REFEREE
from bascule.compare.reading import stoppage_numbers
from bascule.compare.reuse import reusable
from bascule.compare.run_store import MARKER, mark_store, run_store
from bascule.compare.store import ShadowRun
from bascule.compare.waivers import Acceptances, apply_waivers
from bascule.defaults import PARTITION_BYTES, SETTLEMENT_LAG_DAYS
from bascule.engines.inputs import extraction_date_of
from bascule.engines.interface import Engine as ComputingEngine
from bascule.engines.interface import EngineSpec, PartEngines, SplitsByPart, load_engine
from bascule.files import check_writable_folder, private_folder
from bascule.leases import Heartbeat, pause_for_tests
from bascule.legacy_adapters.plan import ExtractPlan, Part
from bascule.legacy_adapters.reader import ExtractReader, facts_of
from bascule.migrate.migration import file_sha256
from bascule.one_pass import Computing, Loading, PartDone, PartJob, run_part
from bascule.scheduling import default_workers, each_done, executor_for

Key = TypeVar("Key")  # an engine's role in a run, or its spec in a calibration
INPUTS = "inputs"  # in a run's folder while it runs: the external results split by part

__all__ = ["ShadowOptions", "default_workers", "prepared_engines", "shadow"]


@dataclass(frozen=True)
class ShadowOptions:
    control: EngineSpec = EngineSpec("progres-replay")
    candidate: EngineSpec = EngineSpec("reference")
    referee: EngineSpec | None = None
    workers: int = 1
    partition_bytes: int = PARTITION_BYTES
    settlement_lag: int = SETTLEMENT_LAG_DAYS
    copybook: str | None = None
    scheduler: str | None = None  # a Dask scheduler's address, or local[:N]; None: a local process pool
    reuse: bool = True  # read the control's and referee's ledgers of an earlier run of the same inputs

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
            "scheduler": self.scheduler,
            "reuse": self.reuse,
        }


class Collected:
    """What the parts found, gathered as they finish (their bulk is in the run's Parquet files already)."""

    def __init__(self) -> None:
        self.persons = self.stoppages = 0
        self.found: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}  # part number → divergences, unsupported
        self.categories = pd.Series(dtype="int64")
        self.seconds: dict[str, float] = {}
        self.paid_dates: dict[str, bool] = {}  # role → whether any part's ledger said when it paid

    def add(self, done: PartDone) -> None:
        self.persons += done.persons
        self.stoppages += done.stoppages
        if done.divergences is not None and done.unsupported is not None:
            self.found[done.number] = (done.divergences, done.unsupported)
        self.categories = self.categories.add(done.categories, fill_value=0).astype("int64")
        for name, seconds in done.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        for role, dated in done.paid_dates.items():
            self.paid_dates[role] = self.paid_dates.get(role, False) or dated

    def all_divergences(self) -> pd.DataFrame:
        # in the file's order, whichever part finished first
        found = [self.found[number][0] for number in sorted(self.found)]
        if found:
            return pd.concat(found, ignore_index=True)
        # no part had a stoppage to compare (an extract of persons only): the columns a part's would have
        return empty_divergences().assign(verdict=pd.Series(dtype=object), category=pd.Series(dtype=object))

    def all_unsupported(self) -> pd.DataFrame:
        found = [self.found[number][1] for number in sorted(self.found)]
        return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def shadow(
    extract: str | Path,
    options: ShadowOptions,
    acceptances: Acceptances,
    database: Engine,
    store: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
    family: str | None = None,
    migration: dict[str, object] | None = None,
) -> int:
    """Run, compare and store; returns the run's id. ``on_progress(bytes_done, bytes)`` of the extract.

    ``store`` the run store's folder, as given (``--store``): :func:`~bascule.compare.run_store.run_store`
    says whether it is the database's, or where the database's is.

    ``family`` names the dry runs compared over time (by default the caisse's);
    ``migration`` is what a dry run found reading, migrating and verifying the extract.
    """
    engines = prepared_engines(extract, options)  # fail early, before reading
    store_root = check_writable_folder(run_store(database, store), "run store")
    reader = ExtractReader(extract, copybook=options.copybook, chunk_bytes=options.partition_bytes)
    repair_runs(database)  # runs killed earlier: marked interrupted, their partial files removed
    with executor_for(options.workers, options.scheduler) as executor:  # a scheduler that cannot be reached: now
        plan = reader.plan(digest=True)
        with StoredRun(database, reader, plan, options, engines, acceptances, store_root, family) as run:
            for done in run_parts(reader, plan, options, run.computing, executor, on_progress=on_progress):
                run.add(done)
            run.close(today, migration=migration)
    return run.run_id


class StoredRun:
    """A shadow run in the run store, open while its parts are done: closed with its results, or forgotten.

    An engine that fails or a user who interrupts leaves no half run: the
    run's row and its Parquet files are removed (and the store's folder, if
    the run made it). While it is open its heartbeat beats, so that another
    process sees it live (:mod:`bascule.leases`); a process killed outright
    leaves it running, and the next start marks it interrupted
    (:mod:`bascule.compare.interrupted`).
    """

    def __init__(
        self,
        database: Engine,
        reader: ExtractReader,
        plan: ExtractPlan,
        options: ShadowOptions,
        engines: dict[str, ComputingEngine],
        acceptances: Acceptances,
        store_root: Path,
        family: str | None,
    ) -> None:
        self.database, self.options, self.acceptances = database, options, acceptances
        self.started = time.perf_counter()
        self.made_store = not store_root.exists()
        self.store_root = mark_store(database, store_root)
        header = reader.parts.header() or {}
        caisse = str(header.get("caisse", ""))
        extraction = extraction_date_of(reader.path, str(header.get("extraction_date", "")))
        described = _described(options, engines)
        chosen = options.to_dict() | {"partition_bytes": plan.chunk_bytes}  # a resumed migration cuts its own
        external = {role for role, engine in engines.items() if isinstance(engine, SplitsByPart)}  # a file's
        reused = reusable(database, plan.sha256 or "", described, chosen, external) if options.reuse else {}
        for role, stored in reused.items():
            described[role] = described[role] | {"reused_from_run": stored.run_id}
        self.described = described
        self.run_id = record.open_run(
            database,
            extract_path=str(reader.path.resolve()),
            extract_sha256=plan.sha256,
            family=family or f"caisse-{caisse}",
            caisse=int(caisse) if caisse.isdigit() else None,
            extraction_date=extraction,
            engines=described,
            parameters_version=_parameters_version(engines),
            waivers=record.waivers_of(acceptances),
            options=chosen,
            store_path=str(store_root.resolve()),
        )
        self.heartbeat = Heartbeat(database, ShadowRun, self.run_id).start()
        self.folder = private_folder(self.store_root / f"run-{self.run_id}")
        try:
            split = split_results(engines, reader, plan, self.folder / INPUTS)
        except BaseException as error:  # the run is not entered yet: it is forgotten here
            self.__exit__(type(error))
            raise
        given: dict[str, PartEngines] = {**split, **reused}
        self.computing = Computing(
            options.engines, extraction, options.settlement_lag, acceptances.tolerances, str(self.folder), given
        )
        self.collected = Collected()

    def __enter__(self) -> StoredRun:
        return self

    def add(self, done: PartDone) -> None:
        self.collected.add(done)
        pause_for_tests("part")  # a part's files are written: tests kill the run here

    def close(self, today: dt.date | None = None, **values: object) -> None:
        collected = self.collected
        divergences = clusters.assign(collected.all_divergences())
        divergences["waiver"], uses = apply_waivers(divergences, self.acceptances, today or dt.date.today())
        timings = {**collected.seconds, "total": time.perf_counter() - self.started}
        shutil.rmtree(self.folder / INPUTS, ignore_errors=True)
        record.close_run(
            self.database,
            self.run_id,
            divergences,
            clusters.clusters(divergences),
            collected.all_unsupported(),
            uses,
            persons=collected.persons,
            stoppages=collected.stoppages,
            categories=record.categories(collected.categories, divergences),
            timings={name: round(seconds, 3) for name, seconds in timings.items()},
            engines=with_paid_dates(self.described, collected.paid_dates),
            **values,
        )

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.heartbeat.stop()
        if kind is None:
            return
        record.forget_run(self.database, self.run_id)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.made_store and {p.name for p in self.store_root.iterdir()} <= {MARKER}:
            shutil.rmtree(self.store_root)  # made for this run alone: nothing is left of it


def with_paid_dates(described: dict[str, dict[str, object]], dated: dict[str, bool]) -> dict[str, dict[str, object]]:
    """The run's engines, each saying whether it gave payment dates (so a report can say timeliness was compared)."""
    return {role: engine | {"paid_dates": dated.get(role, False)} for role, engine in described.items()}


def split_results(
    engines: Mapping[Key, ComputingEngine], reader: ExtractReader, plan: ExtractPlan, folder: Path
) -> dict[Key, PartEngines]:
    """The results of the engines that read them from a file, split by part once, so each worker reads its own."""
    splitting = {key: engine for key, engine in engines.items() if isinstance(engine, SplitsByPart)}
    if not splitting:
        return {}
    numbers, parts = plan.stoppages_by_part(reader.charset)
    return {
        key: engine.split(numbers, parts, folder / str(position))
        for position, (key, engine) in enumerate(splitting.items())
    }


def run_parts(
    reader: ExtractReader,
    plan: ExtractPlan,
    options: ShadowOptions,
    computing: Computing | None,
    executor: Executor | None,
    loading: Callable[[Part], Loading | None] = lambda _: None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[PartDone]:
    """Every part of the plan done by the executor's workers (None: this process), as each finishes.

    ``loading(part)`` says whether and where a part is loaded into the model.
    """
    jobs = (PartJob(reader.parts, facts_of(plan, part), loading(part), computing) for part in plan.parts)
    done_bytes = 0
    for done in each_done(run_part, jobs, executor, in_flight=2 * options.workers):
        done_bytes += done.size_bytes
        if on_progress:
            on_progress(done_bytes, plan.size_bytes)
        yield done


def prepared_engines(extract: str | Path, options: ShadowOptions) -> dict[str, ComputingEngine]:
    """The run's engines, built and checked against the extract: what is wrong with them is said before any work.

    An engine may check what it computes from against the extract's stoppage
    numbers (``check_extract(numbers)``): the external engine refuses rows
    for stoppages the extract does not hold.
    """
    engines = {role: load_engine(spec) for role, spec in options.engines.items()}
    checked_against(extract, options.copybook, engines.values())
    return engines


def checked_against(extract: str | Path, copybook: str | None, engines: Iterable[ComputingEngine]) -> None:
    """Let each engine that checks its input against the extract's stoppage numbers do so (one scan for all)."""
    checking = [engine for engine in engines if hasattr(engine, "check_extract")]
    if checking:
        numbers = stoppage_numbers(extract, copybook)
        for engine in checking:
            engine.check_extract(numbers)


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
