"""Prove that a migration lost and changed nothing.

Each legacy record is rebuilt from the new model (through the same
translation table the migration used, read backwards, and through the
links between rows for the fields a record shares with its parent) and
compared field by field with the record as the reader decodes it from the
extract again. Rejected records are compared byte for byte with the file.
Every record of the file must be found exactly once: in the model, in the
rejects, or (HD, FT) in the run itself.

The comparison is vectorised per column; DeepDiff describes the records
that differ, for the examples a person reads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from deepdiff import DeepDiff
from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.orm import Session

from bascule.errors import BasculeError
from bascule.files import check_regular
from bascule.legacy_adapters.frames import RECORD_INDEX
from bascule.legacy_adapters.reader import ExtractChunk, ExtractReader
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.migration import file_sha256
from bascule.migrate.model import MigrationRun, RejectedRecord, RunStatus
from bascule.migrate.translate import LOAD_ORDER, RUN_FIELDS, TRANSLATIONS
from bascule.privacy import PERSONAL_FIELDS, shown_value

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


def verify_migration(
    database: str,
    run_id: int,
    *,
    extract: str | Path | None = None,
    copybook: str | Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Rebuild every legacy record of run ``run_id`` from the model and compare it with the extract."""
    engine = open_database(database, existing=True)
    ensure_schema(engine, create=False)
    run = _finished_run(engine, run_id)
    path = Path(extract) if extract else Path(run.extract_path)
    check_regular(path, "extract", BasculeError)
    if not path.is_file():
        raise BasculeError(f"the extract of run {run_id} is not at {path}: give its place with --extract")
    if file_sha256(path) != run.extract_sha256:
        raise BasculeError(f"{path} is not the extract run {run_id} migrated (its SHA-256 differs): give that extract with --extract")
    reader = ExtractReader(path, copybook=copybook, chunk_bytes=run.chunk_bytes)
    result = Verification(run_id, str(path))
    with engine.connect() as connection:
        for chunk in reader:
            _verify_chunk(connection, run, chunk, result)
            if on_progress:
                on_progress(chunk.record_count * reader.layout.record_size)
    return result


def _finished_run(engine: Engine, run_id: int) -> MigrationRun:
    with Session(engine, expire_on_commit=False) as session:
        run = session.get(MigrationRun, run_id)
    if run is None:
        raise BasculeError(f"there is no migration run {run_id} in this database")
    if run.status is not RunStatus.COMPLETE:
        raise BasculeError(f"run {run_id} did not finish: rerun `bascule migrate` on its extract first")
    return run


def _verify_chunk(connection: Connection, run: MigrationRun, chunk: ExtractChunk, result: Verification) -> None:
    low, high = chunk.first_index, chunk.first_index + chunk.record_count
    rebuilt = _rebuild(connection, run, low, high)
    rejects = _rows(connection, RejectedRecord.__table__, run.id, low, high)
    places = Counter(
        np.concatenate(
            [*(f[RECORD_INDEX].to_numpy() for f in rebuilt.values()), rejects[RECORD_INDEX].to_numpy(dtype=np.int64)]
        ).tolist()
    )
    result.records += chunk.record_count
    result.migrated += sum(len(f) for f in rebuilt.values())
    result.rejected += len(rejects)
    result.lost += [i for i in range(low, high) if i not in places]
    result.found_twice += [i for i, n in places.items() if n > 1]
    originals = chunk.raw(rejects[RECORD_INDEX].tolist())
    kept = zip(rejects[RECORD_INDEX], rejects["raw"], originals, strict=True)
    result.raw_changed += [i for i, raw, original in kept if bytes(raw) != original]
    for code, frame in rebuilt.items():
        _compare(code, chunk.frames.get(code), frame, result)


# ----------------------------------------------------------- rebuilding
def _rebuild(connection: Connection, run: MigrationRun, low: int, high: int) -> dict[str, pd.DataFrame]:
    """The legacy records of a range of record indexes, as the model holds them."""
    rebuilt = {
        code: frame for code, frame in _header_and_trailer(run).items() if low <= frame[RECORD_INDEX].iloc[0] < high
    }
    for code in LOAD_ORDER:  # parents first: children take their shared fields from them
        rows = _rows(connection, TRANSLATIONS[code].table.__table__, run.id, low, high)
        rebuilt[code] = _legacy_records(code, rows, rebuilt)
    return rebuilt


def _rows(connection: Connection, table: Table, run_id: int, low: int, high: int) -> pd.DataFrame:
    statement = select(table).where(table.c.run_id == run_id, table.c.record_index >= low, table.c.record_index < high)
    return pd.DataFrame(connection.execute(statement).mappings().all(), columns=list(table.c.keys()))


def _legacy_records(code: str, rows: pd.DataFrame, rebuilt: dict[str, pd.DataFrame]) -> pd.DataFrame:
    translation = TRANSLATIONS[code]
    records = pd.DataFrame({RECORD_INDEX: rows["record_index"].to_numpy(dtype=np.int64)})
    for kept in translation.kept:
        records[kept.field] = kept.backward(rows[kept.column]).to_numpy()
    for position, link in enumerate(translation.links):
        parents = (records if link.parent == code else rebuilt[link.parent]).set_index(RECORD_INDEX)
        at = rows[link.column].to_numpy()
        records[link.field] = _look_up(parents[link.key], at, "" if link.optional else None)
        if position == 0:  # the prefix a record shares with its parent
            for name in PREFIX:
                if name not in records:
                    records[name] = _look_up(parents[name], at, None)
    for name, blank in BLANK_PREFIX.items():
        if name not in records:
            records[name] = blank
    return records


def _look_up(values: pd.Series, at: np.ndarray, missing: object) -> np.ndarray:
    found = values.reindex(pd.Index(at)).to_numpy(dtype=object)
    if missing is not None:
        found[pd.isna(at)] = missing
    return found


def _header_and_trailer(run: MigrationRun) -> dict[str, pd.DataFrame]:
    """The HD and FT records as the run's own row holds them (:data:`RUN_FIELDS`, read backwards)."""
    records = {}
    for code, fields in RUN_FIELDS.items():
        if getattr(run, fields[RECORD_INDEX]) is not None:
            values = {field: getattr(run, column) for field, column in fields.items()}
            records[code] = pd.DataFrame([{**values, **BLANK_PREFIX}])
    return records


# ------------------------------------------------------------ comparing
def _compare(code: str, original: pd.DataFrame | None, rebuilt: pd.DataFrame, result: Verification) -> None:
    """Field by field, the records of one type as the file holds them against the model's."""
    if rebuilt.empty:
        return
    if original is None:
        original = pd.DataFrame({RECORD_INDEX: np.array([], dtype=np.int64)})
    legacy = original.set_index(RECORD_INDEX)
    model = rebuilt.set_index(RECORD_INDEX)
    common = model.index.intersection(legacy.index)
    result.lost += [int(i) for i in model.index.difference(legacy.index)]  # a row with no such record of its type
    legacy, model = legacy.loc[common], model.loc[common]
    differ: dict[str, np.ndarray] = {}
    for name in legacy.columns:
        same = _same(legacy[name], model[name]) if name in model else np.zeros(len(common), dtype=bool)
        if not same.all():
            differ[name] = ~same
    if differ:
        _describe(code, legacy, model, differ, result)


def _same(legacy: pd.Series, model: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(legacy.dtype):
        model = pd.to_datetime(model).astype(legacy.dtype)
    left, right = legacy.to_numpy(dtype=object), model.to_numpy(dtype=object)
    both_missing = pd.isna(left) & pd.isna(right)
    return both_missing | (left == right)


def _describe(
    code: str, legacy: pd.DataFrame, model: pd.DataFrame, differ: dict[str, np.ndarray], result: Verification
) -> None:
    examples: defaultdict[str, list[int]] = defaultdict(list)
    for name, mask in differ.items():
        loss = result.losses.setdefault((code, name), FieldLoss(code, name))
        loss.count += int(mask.sum())
        room = EXAMPLES - len(loss.examples)
        examples[name] = [int(i) for i in legacy.index[mask][: max(room, 0)]]
    for name, indexes in examples.items():
        for index in indexes:
            before = _plain(legacy.loc[index].to_dict())
            after = _plain(model.loc[index].reindex(legacy.columns).to_dict())
            diff = DeepDiff(before, after, include_paths=[f"root['{name}']"])
            result.losses[(code, name)].examples.append(
                {
                    "record_index": index,
                    "legacy": before.get(name),
                    "migrated": after.get(name),
                    "change": ",".join(diff),
                }  # DeepDiff's kind of change: values_changed, type_changes…
            )


def _plain(record: dict[str, object]) -> dict[str, object]:
    """Values as DeepDiff and JSON read them: dates as ISO text, no value as None."""
    plain = {}
    for name, value in record.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            plain[name] = None
        elif hasattr(value, "isoformat"):
            plain[name] = value.isoformat()[:10]
        elif isinstance(value, np.integer):
            plain[name] = int(value)
        else:
            plain[name] = value
    return plain
