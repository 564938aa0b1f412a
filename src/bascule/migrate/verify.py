"""Prove that a migration lost and changed nothing.

Each legacy record is rebuilt from the new model (through the same
translation table the migration used, read backwards, and through the
links between rows for the fields a record shares with its parent) and
compared field by field with the record as the reader decodes it from the
extract again. Rejected records are compared byte for byte with the file.
Every record of the file must be found exactly once: in the model, in the
rejects, or (HD, FT) in the run itself.

The verification is done partition by partition, so that workers can
share it: :func:`verify_chunk` verifies one chunk of whole persons (the
extract read again, independently of the migration) against the model rows
of the same record indexes, read back natively (:mod:`readback`: the
driver's cursor or PostgreSQL's COPY, one numpy array per column);
:func:`merge_verifications` reduces the partial results into the run's, and
finds the record indexes that no partition, or two, verified;
:func:`stray_rows` finds the rows whose record index is not in the file at
all. :func:`verify_migration` is the three in a row.

The comparison is vectorised per column, each in its own dtype (integers
as int64, dates as days, text as strings); DeepDiff describes the records
that differ, for the examples a person reads.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from deepdiff import DeepDiff
from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.orm import Session

from bascule.errors import BasculeError
from bascule.files import check_regular
from bascule.legacy_adapters.frames import RECORD_INDEX
from bascule.legacy_adapters.plan import ExtractPlan
from bascule.legacy_adapters.reader import ExtractChunk, ExtractReader, PartFacts, PartReader, facts_of
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.migration import file_sha256
from bascule.migrate.model import MigrationRun, RejectedRecord, RunStatus
from bascule.migrate.readback import Columns, read_rows
from bascule.migrate.translate import LOAD_ORDER, RUN_FIELDS, TRANSLATIONS, Kept
from bascule.privacy import PERSONAL_FIELDS, shown_value
from bascule.scheduling import each_done, executor_for

PREFIX = ("PRG-CAISSE", "PRG-NIR", "PRG-NIR-CLE", "PRG-NUM-ARRET")
BLANK_PREFIX = {"PRG-NIR": "", "PRG-NIR-CLE": 0, "PRG-NUM-ARRET": ""}
EXAMPLES = 5


@dataclass
class FieldLoss:
    """A field that did not survive on some records of one type."""

    record_type: str
    field: str
    count: int = 0
    examples: list[dict[str, object]] = field(default_factory=list)  # record_index, legacy, migrated, change

    def shown(self, example: dict[str, object], reveal: bool) -> dict[str, object]:
        """An example as a report may show it: personal values masked unless revealed."""
        return example | {side: _shown(self.field, example[side], reveal) for side in ("legacy", "migrated")}


def _shown(name: str, value: object, reveal: bool) -> object:
    return value if value is None or reveal or name not in PERSONAL_FIELDS else shown_value(name, str(value), False)


@dataclass
class Verification:
    run_id: int
    extract_path: str
    records: int = 0  # records of the file
    migrated: int = 0  # found in the model (HD and FT in the run)
    rejected: int = 0  # found in the rejects
    lost: list[int] = field(default_factory=list)  # records found nowhere
    found_twice: list[int] = field(default_factory=list)
    raw_changed: list[int] = field(default_factory=list)  # rejects whose bytes are not the file's
    losses: dict[tuple[str, str], FieldLoss] = field(default_factory=dict)
    # The record indexes verified, as half-open ranges [first, end): one per partition until merged.
    covered: list[tuple[int, int]] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return not (self.lost or self.found_twice or self.raw_changed or self.losses)

    def to_dict(self, reveal: bool = False) -> dict[str, object]:
        """The JSON form of ``bascule verify-migration`` (documented in the README)."""
        return {
            "run_id": self.run_id,
            "extract": self.extract_path,
            "survived": self.survived,
            "records": self.records,
            "migrated": self.migrated,
            "rejected": self.rejected,
            "lost": len(self.lost),
            "lost_examples": self.lost[:EXAMPLES],
            "found_twice": len(self.found_twice),
            "raw_changed": len(self.raw_changed),
            "raw_changed_examples": self.raw_changed[:EXAMPLES],
            "fields": [
                {
                    "record_type": loss.record_type,
                    "field": loss.field,
                    "count": loss.count,
                    "examples": [loss.shown(example, reveal) for example in loss.examples],
                }
                for loss in self.losses.values()
            ],
        }


Records = dict[str, np.ndarray]  # legacy records of one type, rebuilt: field → values, record index included


@dataclass(frozen=True)
class RunToVerify:
    """What verifying a partition needs of the run; small and picklable, for worker processes."""

    run_id: int
    extract_path: str
    chunk_bytes: int  # the migration's: the same chunks are cut again
    kept_in_run: dict[str, dict[str, object]]  # the HD and FT records, as the run's own row holds them


def verify_migration(
    database: str,
    run_id: int,
    *,
    extract: str | Path | None = None,
    copybook: str | Path | None = None,
    on_progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> Verification:
    """Rebuild every legacy record of run ``run_id`` from the model and compare it with the extract.

    ``workers`` above 1 verifies the parts in that many processes, each
    reading its parts of the extract again and the model on its own connection.
    """
    engine = open_database(database, existing=True)
    ensure_schema(engine, create=False)
    run = run_to_verify(engine, run_id, extract=extract)
    reader = ExtractReader(run.extract_path, copybook=copybook, chunk_bytes=run.chunk_bytes)
    plan = reader.plan()
    with executor_for(workers) as executor:
        found = verify_parts(engine, database, run, reader, plan, executor, 2 * workers, on_progress)
    engine.dispose()
    return found


@dataclass(frozen=True)
class PartToVerify:
    """A worker's share of the verification: a part to read again for itself, and the run to compare it with."""

    reader: PartReader
    facts: PartFacts
    database: str
    run: RunToVerify


def verify_part(job: PartToVerify) -> Verification:
    """Read the part from the extract again (the independent read) and compare it with the model's rows."""
    chunk, _ = job.reader.read(job.facts)
    with _worker_database(job.database).connect() as connection:
        return verify_chunk(connection, job.run, chunk)


def verify_parts(
    engine: Engine,
    database: str,
    run: RunToVerify,
    reader: ExtractReader,
    plan: ExtractPlan,
    executor: Executor | None,
    in_flight: int,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Every part verified by the workers (each reads its part itself), the rows outside them, merged."""
    jobs = (PartToVerify(reader.parts, facts_of(plan, part), database, run) for part in plan.parts)
    parts = []
    for part in each_done(verify_part, jobs, executor, in_flight):
        parts.append(part)
        if on_progress:
            on_progress(part.records * plan.record_size)
    with engine.connect() as connection:
        parts.append(stray_rows(connection, run, plan.records))
    return merge_verifications(run, parts, records=plan.records)


def _worker_database(database: str) -> Engine:
    """One engine a process and database: a worker keeps its connection between parts."""
    return _database_of_process(database, os.getpid())


@cache
def _database_of_process(database: str, _pid: int) -> Engine:
    # keyed by the process too: a forked worker never uses a connection its parent opened
    return open_database(database, existing=True)


def run_to_verify(
    engine: Engine, run_id: int, *, extract: str | Path | None = None, extract_sha256: str | None = None
) -> RunToVerify:
    """The finished run ``run_id``, its extract found and checked to be the one it migrated.

    ``extract_sha256``: the extract's hash when the caller computed it while
    reading (it is computed here otherwise).
    """
    run = _finished_run(engine, run_id)
    path = Path(extract) if extract else Path(run.extract_path)
    check_regular(path, "extract", BasculeError)
    if not path.is_file():
        raise BasculeError(f"the extract of run {run_id} is not at {path}: give its place with --extract")
    if (extract_sha256 or file_sha256(path)) != run.extract_sha256:
        raise BasculeError(
            f"{path} is not the extract run {run_id} migrated (its SHA-256 differs): give that extract with --extract"
        )
    return RunToVerify(run.id, str(path), run.chunk_bytes, _header_and_trailer(run))


def _finished_run(engine: Engine, run_id: int) -> MigrationRun:
    with Session(engine, expire_on_commit=False) as session:
        run = session.get(MigrationRun, run_id)
    if run is None:
        raise BasculeError(f"there is no migration run {run_id} in this database")
    if run.status is not RunStatus.COMPLETE:
        raise BasculeError(f"run {run_id} did not finish: rerun `bascule migrate` on its extract first")
    return run


def _header_and_trailer(run: MigrationRun) -> dict[str, dict[str, object]]:
    """The HD and FT records as the run's own row holds them (:data:`RUN_FIELDS`, read backwards)."""
    return {
        code: {name: getattr(run, column) for name, column in fields.items()} | BLANK_PREFIX
        for code, fields in RUN_FIELDS.items()
        if getattr(run, fields[RECORD_INDEX]) is not None
    }


# ----------------------------------------------------------- a partition
def verify_chunk(connection: Connection, run: RunToVerify, chunk: ExtractChunk) -> Verification:
    """The verification of one chunk of whole persons against the model rows of its record indexes.

    A partial result: :func:`merge_verifications` makes the run's of them.
    """
    low, high = chunk.first_index, chunk.first_index + chunk.record_count
    part = Verification(run.run_id, run.extract_path, records=chunk.record_count, covered=[(low, high)])
    rebuilt = _rebuild(connection, run, low, high)
    rejects = read_rows(connection, RejectedRecord.__table__, ["record_index", "raw"], run.run_id, low, high)
    part.migrated = sum(len(records[RECORD_INDEX]) for records in rebuilt.values())
    part.rejected = len(rejects["record_index"])
    places = np.concatenate([*(records[RECORD_INDEX] for records in rebuilt.values()), rejects["record_index"]])
    unique, first, counts = np.unique(places.astype(np.int64), return_index=True, return_counts=True)
    part.lost += np.setdiff1d(np.arange(low, high), unique, assume_unique=True).tolist()
    part.found_twice += unique[counts > 1][np.argsort(first[counts > 1], kind="stable")].tolist()
    indexes = rejects["record_index"].tolist()
    kept = zip(indexes, rejects["raw"], chunk.raw(indexes), strict=True)
    part.raw_changed += [i for i, raw, original in kept if raw is None or bytes(raw) != original]
    for code, records in rebuilt.items():
        _compare(code, chunk.frames.get(code), records, part)
    return part


def stray_rows(connection: Connection, run: RunToVerify, records: int) -> Verification:
    """The rows of the run whose record index is not one of the file's ``records``: no partition reads them.

    Each is a record the file does not have, so it counts as lost (as a row
    with no record of its type does).
    """
    part = Verification(run.run_id, run.extract_path)
    for table in [*(TRANSLATIONS[code].table.__table__ for code in LOAD_ORDER), RejectedRecord.__table__]:
        index = table.c.record_index
        outside = or_(index < 0, index >= records)
        part.lost += connection.scalars(select(index).where(table.c.run_id == run.run_id, outside).order_by(index))
    part.lost += [int(r[RECORD_INDEX]) for r in run.kept_in_run.values() if not 0 <= r[RECORD_INDEX] < records]
    return part


def merge_verifications(run: RunToVerify, parts: Iterable[Verification], *, records: int) -> Verification:
    """The run's verification from its partitions' (any order), for a file of ``records`` records.

    A record index no partition covered is lost; one that two covered is found twice.
    """
    whole = Verification(run.run_id, run.extract_path, records=records)
    ordered = sorted(parts, key=lambda p: (not p.covered, min(p.covered, default=(0, 0))))
    for part in ordered:
        whole.migrated += part.migrated
        whole.rejected += part.rejected
        whole.lost += part.lost
        whole.found_twice += part.found_twice
        whole.raw_changed += part.raw_changed
        for key, loss in part.losses.items():
            merged = whole.losses.setdefault(key, FieldLoss(loss.record_type, loss.field))
            merged.count += loss.count
            merged.examples += loss.examples[: max(EXAMPLES - len(merged.examples), 0)]
    gaps, overlaps, whole.covered = _coverage([span for part in ordered for span in part.covered], records)
    whole.lost += gaps
    whole.found_twice += overlaps
    return whole


def _coverage(spans: list[tuple[int, int]], records: int) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """Record indexes of [0, records) in no span, those in two or more, and the spans merged."""
    gaps: list[int] = []
    overlaps: list[int] = []
    merged: list[tuple[int, int]] = []
    for first, end in sorted(spans):
        reached = merged[-1][1] if merged else 0
        gaps += range(reached, first)
        overlaps += range(first, min(end, reached))
        if merged and first <= reached:
            merged[-1] = (merged[-1][0], max(end, reached))
        else:
            merged.append((first, end))
    gaps += range(merged[-1][1] if merged else 0, records)
    return gaps, sorted(set(overlaps)), merged


# ----------------------------------------------------------- rebuilding
def _rebuild(connection: Connection, run: RunToVerify, low: int, high: int) -> dict[str, Records]:
    """The legacy records of a range of record indexes, as the model holds them."""
    rebuilt = {
        code: _one_record(values) for code, values in run.kept_in_run.items() if low <= values[RECORD_INDEX] < high
    }
    for code in LOAD_ORDER:  # parents first: children take their shared fields from them
        translation = TRANSLATIONS[code]
        names = ["record_index", *(link.column for link in translation.links), *(k.column for k in translation.kept)]
        rows = read_rows(connection, translation.table.__table__, names, run.run_id, low, high)
        rebuilt[code] = _legacy_records(code, rows, rebuilt)
    return rebuilt


def _one_record(values: dict[str, object]) -> Records:
    """A record kept in the run's row, its values typed as the reader types them (dates as days)."""
    return {name: np.array([value], dtype=_dtype_of(value)) for name, value in values.items()}


def _dtype_of(value: object) -> object:
    if isinstance(value, dt.date):
        return "datetime64[D]"
    return np.int64 if isinstance(value, int) and not isinstance(value, bool) else object


def _legacy_records(code: str, rows: Columns, rebuilt: dict[str, Records]) -> Records:
    translation = TRANSLATIONS[code]
    records: Records = {RECORD_INDEX: rows["record_index"].astype(np.int64)}
    for kept in translation.kept:
        records[kept.field] = _backward(kept, rows[kept.column])
    for position, link in enumerate(translation.links):
        parents = records if link.parent == code else rebuilt[link.parent]
        at = _parent_indexes(rows[link.column])
        where = _positions(parents[RECORD_INDEX], at)
        records[link.field] = _look_up(parents[link.key], where, at < 0, "" if link.optional else None)
        if position == 0:  # the prefix a record shares with its parent
            for name in PREFIX:
                if name not in records:
                    records[name] = _look_up(parents[name], where, at < 0, None)
    count = len(records[RECORD_INDEX])
    for name, blank in BLANK_PREFIX.items():
        if name not in records:
            records[name] = np.full(count, blank, dtype=object if isinstance(blank, str) else np.int64)
    return records


def _backward(kept: Kept, values: np.ndarray) -> np.ndarray:
    """The legacy field from the model's column, by the translation's own rule."""
    series = pd.Series(values, dtype=object if values.dtype == object else None, copy=False)
    legacy = kept.backward(series)
    return legacy.to_numpy() if legacy.dtype.kind in "iufbM" else legacy.to_numpy(dtype=object)


def _parent_indexes(values: np.ndarray) -> np.ndarray:
    """A link column as int64 record indexes: -1 where it names no parent (NULL), -2 where it is no index at all."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    none = pd.isna(values)
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    return np.where(none, -1, np.where(np.isnan(numbers), -2, np.nan_to_num(numbers))).astype(np.int64)


def _positions(parent_indexes: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Where each record index of ``at`` is among the parents' (sorted), -1 where it is not."""
    if not len(parent_indexes):
        return np.full(len(at), -1, dtype=np.int64)
    found = np.searchsorted(parent_indexes, at).clip(max=len(parent_indexes) - 1)
    return np.where(parent_indexes[found] == at, found, -1)


def _look_up(values: np.ndarray, where: np.ndarray, none: np.ndarray, missing: object) -> np.ndarray:
    """The parents' values at ``where``: NaN for a parent not found, ``missing`` for no parent named."""
    if (where >= 0).all():
        return values[where]
    found = np.full(len(where), np.nan, dtype=object)
    found[where >= 0] = values[where[where >= 0]]
    if missing is not None:
        found[none] = missing
    return found


# ------------------------------------------------------------ comparing
def _compare(code: str, original: pd.DataFrame | None, rebuilt: Records, result: Verification) -> None:
    """Field by field, the records of one type as the file holds them against the model's."""
    model_index = rebuilt[RECORD_INDEX]
    if not len(model_index):
        return
    legacy_index = np.array([], dtype=np.int64) if original is None else original[RECORD_INDEX].to_numpy(np.int64)
    result.lost += np.setdiff1d(model_index, legacy_index).tolist()  # a row with no such record of its type
    common, in_legacy, in_model = np.intersect1d(legacy_index, model_index, assume_unique=True, return_indices=True)
    names = [] if original is None else [name for name in original.columns if name != RECORD_INDEX]
    differ: dict[str, np.ndarray] = {}
    for name in names:
        if name in rebuilt:
            same = _same(_values(original[name])[in_legacy], rebuilt[name][in_model])
        else:
            same = np.zeros(len(common), dtype=bool)
        if not same.all():
            differ[name] = ~same
    if differ:
        legacy = original.iloc[in_legacy].reset_index(drop=True)
        model = {name: values[in_model] for name, values in rebuilt.items()}
        _describe(code, common, legacy, model, differ, result)


def _values(column: pd.Series) -> np.ndarray:
    return column.to_numpy() if column.dtype.kind in "iufbM" else column.to_numpy(dtype=object)


def _same(legacy: np.ndarray, model: np.ndarray) -> np.ndarray:
    """Where two columns hold the same values, both missing counting as the same; each in its own dtype."""
    if legacy.dtype.kind == "M":
        days = legacy.astype("datetime64[D]")
        if model.dtype.kind == "M":
            return (days == model) | (np.isnat(days) & np.isnat(model))
        legacy = np.where(np.isnat(days), None, np.datetime_as_string(days)).astype(object)  # against text
    elif legacy.dtype.kind in "iu" and model.dtype.kind in "iuf":
        return legacy == model
    left, right = legacy.astype(object), model.astype(object)
    return (pd.isna(left) & pd.isna(right)) | (left == right)


def _describe(
    code: str,
    common: np.ndarray,
    legacy: pd.DataFrame,
    model: Records,
    differ: dict[str, np.ndarray],
    result: Verification,
) -> None:
    """The counts of the fields that differ, and a few records of each for a person to read."""
    examples: dict[str, np.ndarray] = {}
    for name, mask in differ.items():
        loss = result.losses.setdefault((code, name), FieldLoss(code, name))
        loss.count += int(mask.sum())
        examples[name] = np.flatnonzero(mask)[: max(EXAMPLES - len(loss.examples), 0)]
    columns = [name for name in legacy.columns if name != RECORD_INDEX]
    for name, positions in examples.items():
        for position in positions:
            before = _plain({column: legacy[column].iloc[position] for column in columns})
            after = _plain({column: model[column][position] if column in model else None for column in columns})
            diff = DeepDiff(before, after, include_paths=[f"root['{name}']"])
            result.losses[(code, name)].examples.append(
                {
                    "record_index": int(common[position]),
                    "legacy": before.get(name),
                    "migrated": after.get(name),
                    "change": ",".join(diff),
                }  # DeepDiff's kind of change: values_changed, type_changes…
            )


def _plain(record: dict[str, object]) -> dict[str, object]:
    """Values as DeepDiff and JSON read them: dates as ISO text, no value as None."""
    plain = {}
    for name, value in record.items():
        if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
            plain[name] = None
        elif isinstance(value, np.datetime64):
            plain[name] = str(value.astype("datetime64[D]"))
        elif hasattr(value, "isoformat"):
            plain[name] = value.isoformat()[:10]
        elif isinstance(value, np.generic):
            plain[name] = value.item()
        else:
            plain[name] = value
    return plain
