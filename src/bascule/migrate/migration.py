"""Migrate a PROGRES extract into the new model: idempotent, atomic per chunk, reconciled.

The extract is known by the SHA-256 of its bytes. Migrating it again finds
the finished run and changes nothing (``replace=True`` reloads it); a run
cut short (a crash, an interruption) is resumed where it stopped, because
each chunk of whole persons commits with a row that says it is done. A
run is held by the process migrating it (:mod:`bascule.leases`): a second
process finds it live and stops with a clear message; a dead holder's run
is taken over, by one process only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bascule import __version__
from bascule.compare.interrupted import repair_runs
from bascule.defaults import DEFAULT_DATABASE, DEFAULT_MIGRATION_CHUNK_BYTES
from bascule.errors import BasculeError, ExtractUnreadable
from bascule.files import check_regular
from bascule.leases import (
    Heartbeat,
    Holder,
    database_now,
    held_here,
    is_alive,
    lease_values,
    lost,
    pause_for_tests,
    take_over,
    this_process,
    utc,
)
from bascule.legacy_adapters.frames import RECORD_INDEX, decode_records
from bascule.legacy_adapters.problems import concat_problems
from bascule.legacy_adapters.progres_layout import PAYMENT
from bascule.legacy_adapters.reader import ExtractChunk, ExtractReader, ExtractSummary, PartReader
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.findings import findings
from bascule.migrate.load import insert_frame
from bascule.migrate.model import (
    MigrationChunk,
    MigrationFinding,
    MigrationRun,
    RejectedRecord,
    RunStatus,
)
from bascule.migrate.reconcile import Reconciliation, reconcile
from bascule.migrate.translate import LOAD_ORDER, RUN_FIELDS, TRANSLATIONS, to_rows
from bascule.migrate.validate import accepted


def migrate_extract(
    extract: str | Path,
    database: str = DEFAULT_DATABASE,
    *,
    replace: bool = False,
    copybook: str | Path | None = None,
    chunk_bytes: int = DEFAULT_MIGRATION_CHUNK_BYTES,
    on_progress: Callable[[int], None] | None = None,
) -> Reconciliation:
    """Migrate ``extract`` into ``database`` and return the books of the run."""
    path = Path(extract)
    digest = file_sha256(path)  # the extract first: a wrong file creates no database
    reader = ExtractReader(path, copybook=copybook, chunk_bytes=chunk_bytes)
    engine = open_database(database)
    ensure_schema(engine)
    repair_runs(engine)  # shadow runs killed earlier: marked interrupted, their partial files removed
    migrating = begin_migration(engine, reader, digest, replace=replace)
    if migrating.complete:
        return reconcile(engine, migrating.run_id, migrating.outcome)
    with migrating:  # its lease beats while this loads, and stops however the loading ends
        for part, chunk in reader.chunks(skip=migrating.committed):  # committed chunks are not decoded again
            if chunk is not None and chunk.first_index not in migrating.committed:  # the last is read for its trailer
                with engine.begin() as connection:
                    _load_chunk(connection, migrating.run_id, chunk, reader)
            if on_progress:
                on_progress(part.record_count * reader.layout.record_size)
        return finish_migration(engine, migrating, reader.summary)


class MigrationBusy(BasculeError):
    """Another process, alive, is migrating the same extract."""


@dataclass(frozen=True)
class Migrating:
    """A migration run about to be loaded: new, resumed (some chunks committed), or complete already.

    A run to load is this process's while its ``heartbeat`` beats: until
    :func:`finish_migration`, :meth:`release` (or the end of a ``with``
    block), or until this value is gone.
    """

    run_id: int
    outcome: str  # "migrated", "resumed", "already migrated"
    committed: frozenset[int]  # the first record index of every chunk already loaded
    heartbeat: Heartbeat | None = field(default=None, compare=False)

    @property
    def complete(self) -> bool:
        return self.outcome == "already migrated"

    def release(self) -> None:
        """Stop beating: the run is finished, or this process gives up on it (a rerun resumes it)."""
        if self.heartbeat is not None:
            self.heartbeat.stop()

    def __enter__(self) -> Migrating:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def begin_migration(engine: Engine, reader: ExtractReader, digest: str, *, replace: bool = False) -> Migrating:
    """The run of the extract whose SHA-256 is ``digest``: found, or started.

    A resumed run cuts the chunks it cut before: ``reader.chunk_bytes``
    becomes the run's.
    """
    run = _run_of(engine, digest)
    if run is not None and run.status is not RunStatus.COMPLETE:
        _take_over(engine, run, reader.path)  # a live holder's run is refused (MigrationBusy)
    if run is not None and replace:
        delete_run(engine, run.id)
        run = None
    if run is not None and run.status is RunStatus.COMPLETE:
        return Migrating(run.id, "already migrated", frozenset())
    if run is not None:
        reader.chunk_bytes = run.chunk_bytes
        return _held(engine, Migrating(run.id, "resumed", frozenset(_committed_chunks(engine, run.id))))
    return _held(engine, Migrating(_start_run(engine, reader.path, digest, reader), "migrated", frozenset()))


def finish_migration(engine: Engine, migrating: Migrating, summary: ExtractSummary) -> Reconciliation:
    """Close the run with what the whole extract held, and return its books."""
    try:
        if not migrating.complete:
            _finish_run(engine, migrating.run_id, summary)
    finally:
        migrating.release()
    return reconcile(engine, migrating.run_id, migrating.outcome)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    check_regular(path, "extract", ExtractUnreadable)
    try:
        with path.open("rb") as stream:
            while block := stream.read(8 * 1024 * 1024):
                digest.update(block)
    except OSError as exc:
        raise ExtractUnreadable(f"cannot read the extract {path}: {exc.strerror}") from None
    return digest.hexdigest()


def delete_run(engine: Engine, run_id: int) -> None:
    """Remove a run and every row it loaded, children before parents, in one transaction."""
    with engine.begin() as connection:
        for code in reversed(LOAD_ORDER):
            table = TRANSLATIONS[code].table
            connection.execute(delete(table).where(table.run_id == run_id))
        for table in (RejectedRecord, MigrationFinding, MigrationChunk):
            connection.execute(delete(table).where(table.run_id == run_id))
        connection.execute(delete(MigrationRun).where(MigrationRun.id == run_id))


# ------------------------------------------------------------------ the run
def _run_of(engine: Engine, digest: str) -> MigrationRun | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.scalar(select(MigrationRun).where(MigrationRun.extract_sha256 == digest))


def _take_over(engine: Engine, run: MigrationRun, path: Path) -> None:
    """The lease of an unfinished run: refused while its holder lives; taken, by one process only, once it is dead.

    A run this very process left behind (an error before its end, in a
    program that calls bascule again) is its own already.
    """
    if run.holder == str(this_process()):
        return
    with engine.connect() as connection:
        now = database_now(connection)
    if is_alive(run.holder, run.heartbeat, now) or not take_over(engine, MigrationRun, run.id, run.holder):
        raise MigrationBusy(_busy(path, _run_of(engine, run.extract_sha256) or run))


def _busy(path: Path, run: MigrationRun) -> str:
    holder = Holder.parse(run.holder)
    since = utc(run.started).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{path} is being migrated by {holder.shown if holder else 'another process'} since {since} "
        f"(migration run {run.id}); wait for it, then rerun"
    )


def _held(engine: Engine, migrating: Migrating) -> Migrating:
    """The run's heartbeat started; it stops with the run's end, or when nothing refers to the run any more."""
    heartbeat = Heartbeat(engine, MigrationRun, migrating.run_id).start()
    held = Migrating(migrating.run_id, migrating.outcome, migrating.committed, heartbeat)
    weakref.finalize(held, heartbeat.stop)
    pause_for_tests("lease")  # the run is held and nothing is loaded yet: tests start a second process here
    return held


def _start_run(engine: Engine, path: Path, digest: str, reader: ExtractReader) -> int:
    values = {
        "extract_sha256": digest,
        "extract_path": str(path.resolve()),
        "extract_bytes": path.stat().st_size,
        "encoding": reader.charset.name,
        "chunk_bytes": reader.chunk_bytes,
        "bascule_version": __version__,
        "started": dt.datetime.now(dt.UTC),
        "status": RunStatus.RUNNING,
    }
    try:
        with engine.begin() as connection:
            started = insert(MigrationRun).values(values | lease_values(connection)).returning(MigrationRun.id)
            return connection.execute(started).scalar_one()
    except IntegrityError:  # another process started the same extract's run at the same moment
        run = _run_of(engine, digest)
        if run is None:
            raise
        raise MigrationBusy(_busy(path, run)) from None


def _committed_chunks(engine: Engine, run_id: int) -> set[int]:
    with engine.connect() as connection:
        return set(connection.scalars(select(MigrationChunk.first_index).where(MigrationChunk.run_id == run_id)))


def _finish_run(engine: Engine, run_id: int, summary: ExtractSummary) -> None:
    declared = {c.field: c.declared for c in summary.trailer.controls} if summary.trailer else {}
    with engine.begin() as connection:
        finished = connection.execute(
            update(MigrationRun)
            .where(held_here(MigrationRun, run_id), MigrationRun.status == RunStatus.RUNNING)
            .values(
                layout_version=summary.layout_version,
                records_read=dict(sorted(summary.counts.items())),
                trailer_records=declared.get("FT-NB-ENREG"),
                trailer_persons=declared.get("FT-NB-ASSURES"),
                trailer_stoppages=declared.get("FT-NB-ARRETS"),
                trailer_total_cents=declared.get("FT-TOTAL-MONTANTS"),
                finished=dt.datetime.now(dt.UTC),
                status=RunStatus.COMPLETE,
            )
        )
        if finished.rowcount != 1:
            raise lost(MigrationRun, run_id)


# ---------------------------------------------------------------- a chunk
def _load_chunk(connection: Connection, run_id: int, chunk: ExtractChunk, reader: ExtractReader) -> None:
    """Validate, translate and write one chunk."""
    frames, found = accepted(chunk.frames)
    load_chunk(connection, run_id, chunk, frames, found, to_rows(frames), reader.parts)


def load_chunk(
    connection: Connection,
    run_id: int,
    chunk: ExtractChunk,
    frames: dict[str, pd.DataFrame],
    migration_problems: pd.DataFrame,
    model_rows: dict[str, pd.DataFrame],
    reader: PartReader,
) -> None:
    """Write one validated and translated chunk, with its rejects, its findings and the row saying it is done.

    ``frames`` are the chunk's accepted records, ``migration_problems`` why
    the validation rejected the others, ``model_rows`` the accepted records
    translated: the one pass computes on the very rows it loads.
    """
    for code, rows in model_rows.items():
        insert_frame(connection, TRANSLATIONS[code].table.__table__, rows, run_id)
    noted = findings(model_rows)
    if len(noted):  # few, and JSON: through the ORM's types, not the bulk path
        connection.execute(insert(MigrationFinding), noted.assign(run_id=run_id).to_dict("records"))
    rejects = _reject_rows(chunk, migration_problems)
    insert_frame(connection, RejectedRecord.__table__, rejects, run_id)
    _migrate_header_and_trailer(connection, run_id, frames)
    cents, unreadable = _payment_amounts(rejects, reader)
    connection.execute(
        insert(MigrationChunk).values(
            run_id=run_id,
            first_index=chunk.first_index,
            record_count=chunk.record_count,
            rejected_payment_cents=cents,
            unreadable_rejected_payments=unreadable,
        )
    )


def _reject_rows(chunk: ExtractChunk, migration_problems: pd.DataFrame) -> pd.DataFrame:
    """One row per rejected record: its reasons and fields from the reader and the validation, its bytes."""
    problems = concat_problems([chunk.problems, migration_problems])
    if problems.empty:
        return pd.DataFrame(columns=["record_index", "record_type", "reasons", "fields", "detail", "raw"])
    grouped = problems.groupby(RECORD_INDEX, sort=True)
    rejects = (
        pd.DataFrame(
            {
                "record_type": grouped["record_type"].first(),
                "reasons": grouped["reason"].agg(_joined, ","),
                "fields": grouped["field"].agg(_joined, ","),
                "detail": grouped["detail"].agg(_joined, "; "),
            }
        )
        .rename_axis(RECORD_INDEX)
        .reset_index()
    )
    rejects["raw"] = chunk.raw(rejects[RECORD_INDEX].tolist())
    return rejects


def _joined(values: pd.Series, separator: str) -> str:
    """The distinct non-empty values, in their order."""
    return separator.join(dict.fromkeys(v for v in values if v))


def _payment_amounts(rejects: pd.DataFrame, reader: PartReader) -> tuple[int, int]:
    """The sum of PA-MONTANT over rejected payments, and how many had an amount that does not decode."""
    payments = rejects[(rejects["record_type"] == PAYMENT)]
    if payments.empty:
        return 0, 0
    whole = payments["raw"].map(len) == reader.layout.record_size
    records = np.frombuffer(b"".join(payments["raw"][whole]), dtype=np.uint8).reshape(-1, reader.layout.record_size)
    frame, problems = decode_records(
        records, payments[RECORD_INDEX][whole].to_numpy(), reader.layout.specs[PAYMENT], reader.charset
    )
    unreadable = set(problems.loc[problems["field"] == "PA-MONTANT", RECORD_INDEX].tolist())
    readable = ~frame[RECORD_INDEX].isin(unreadable)
    return int(frame.loc[readable, "PA-MONTANT"].sum()), len(unreadable) + int((~whole).sum())


def _migrate_header_and_trailer(connection: Connection, run_id: int, frames: dict[str, pd.DataFrame]) -> None:
    """The HD and FT records live in the run's own row (:data:`RUN_FIELDS`)."""
    values: dict[str, object] = {}
    for code, fields in RUN_FIELDS.items():
        frame = frames.get(code)
        if frame is not None and len(frame):
            row = frame.iloc[0]
            values |= {column: _plain(row[field]) for field, column in fields.items()}
    if values:
        connection.execute(update(MigrationRun).where(MigrationRun.id == run_id).values(values))


def _plain(value: object) -> object:
    """A frame's value as the database takes it: a date, a Python int or str, None for no value."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
