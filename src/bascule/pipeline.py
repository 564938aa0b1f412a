"""The dry run in one pass: inspect, migrate and shadow-run every part of the extract once, then verify.

The main process scans the extract (its parts, its hash, the facts that
span parts) and schedules. Each worker reads its part for itself, then
validates and translates it once, loads it into the new model in its own
transaction, and computes every engine on exactly those model rows
(:mod:`bascule.one_pass`). What the parts found reading is gathered into
the inspection's summary, the migration is closed with its books, and the
verification re-reads the extract on its own: its independence is the
proof that nothing was lost. Everything the dry run found is kept with
the shadow run, so that the sign-off report reads it from the run store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from sqlalchemy import Engine

from bascule.compare.calibration import CalibrationOptions, calibrate
from bascule.compare.interrupted import repair_runs
from bascule.compare.record import keep_calibration
from bascule.compare.run_store import run_store
from bascule.compare.runner import ShadowOptions, StoredRun, prepared_engines, run_parts
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import Engine as ComputingEngine
from bascule.files import check_writable_folder
from bascule.legacy_adapters.plan import Part
from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.database import database_url, ensure_schema, open_database
from bascule.migrate.migration import begin_migration, finish_migration
from bascule.migrate.verify import run_to_verify, verify_parts
from bascule.one_pass import Loading
from bascule.reports.inspection import inspection_to_dict
from bascule.reports.policy import Policy
from bascule.reports.signoff import PolicyJudge
from bascule.scheduling import executor_for

STAGES = ("scan", "read, migrate and compute", "verify-migration", "calibrate")
READING = ("caisse", "caisse_name", "encoding", "records", "rejected", "balanced", "reject_reasons")


def dry_run(
    extract: str | Path,
    database: str,
    options: ShadowOptions,
    acceptances: Acceptances,
    store_root: Path | None = None,
    family: str | None = None,
    on_stage: Callable[[str], None] | None = None,
    calibrate_under: Policy | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run every stage on the extract; returns the shadow run's id.

    ``calibrate_under`` a policy: also calibrate the harness on the extract (noise, detection power)
    and keep the calibration with the run, for the sign-off and its ``detection_power`` criterion.
    ``on_progress(bytes_done, bytes)`` of the extract, as its parts are done.
    """
    stage = on_stage or (lambda _: None)
    # Every input before any work: a typo is not found after an hour.
    reader = ExtractReader(extract, copybook=options.copybook, chunk_bytes=options.partition_bytes)
    engines = prepared_engines(extract, options)  # an unknown engine, an external file that cannot be read
    engine = open_database(database)
    if store_root is not None:
        check_writable_folder(store_root, "run store")  # before the database is filled with a schema
    ensure_schema(engine)
    store_root = check_writable_folder(run_store(engine, store_root), "run store")
    repair_runs(engine)  # runs killed earlier: marked interrupted, their partial files removed
    try:
        with executor_for(options.workers, options.scheduler) as executor:  # a scheduler that cannot be used: now
            run_id = _one_pass(
                extract,
                database,
                reader,
                engine,
                engines,
                options,
                acceptances,
                store_root,
                family,
                executor,
                stage,
                on_progress,
            )
        if calibrate_under is not None:
            stage("calibrate")
            chosen = CalibrationOptions(
                candidate=options.candidate,
                workers=options.workers,
                copybook=options.copybook,
                scheduler=options.scheduler,
            )
            keep_calibration(engine, run_id, calibrate(extract, chosen, PolicyJudge(calibrate_under)).to_dict())
        return run_id
    finally:
        engine.dispose()  # its connections (and SQLite's page cache) are not kept after the run


def _one_pass(
    extract: str | Path,
    database: str,
    reader: ExtractReader,
    engine: Engine,
    engines: dict[str, ComputingEngine],
    options: ShadowOptions,
    acceptances: Acceptances,
    store_root: Path,
    family: str | None,
    executor: Executor | None,
    stage: Callable[[str], None],
    on_progress: Callable[[int, int], None] | None,
) -> int:
    """Scan, then read, migrate and compute every part, then verify; returns the shadow run's id."""
    stage("scan")
    started = time.perf_counter()
    plan = reader.plan(digest=True)
    migrating = begin_migration(engine, reader, plan.sha256 or "")  # another process's live run: refused
    if reader.chunk_bytes != plan.chunk_bytes:  # a resumed migration: its parts are the chunks it cut
        plan = reader.plan(digest=True)
    url = database_url(database)

    def loading(part: Part) -> Loading | None:
        skip = migrating.complete or part.first_index in migrating.committed
        return None if skip else Loading(url, migrating.run_id)

    scanned = time.perf_counter() - started
    stage("read, migrate and compute")
    # The migration's lease is given up with the shadow run if a stage fails: a rerun resumes it.
    with migrating, StoredRun(engine, reader, plan, options, engines, acceptances, store_root, family) as run:
        run.collected.seconds["scan (wall)"] = scanned
        for done in run_parts(reader, plan, options, run.computing, executor, loading, on_progress):
            reader.summary.add(done.reading)
            run.add(done)
        reader.summary.check_accounted()
        books = finish_migration(engine, migrating, reader.summary)
        stage("verify-migration")
        verifying = time.perf_counter()
        verified = run_to_verify(engine, books.run_id, extract=extract, extract_sha256=plan.sha256)
        verification = verify_parts(engine, url, verified, reader, plan, executor, 2 * options.workers)
        run.collected.seconds["verify (wall)"] = time.perf_counter() - verifying
        reading = inspection_to_dict(reader.summary)
        migration = {
            "reading": {key: reading[key] for key in READING},
            "books": books.to_dict(),
            "verification": verification.to_dict(),
        }
        run.close(migration=migration)
    return run.run_id
