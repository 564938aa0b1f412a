"""verify-migration partition by partition: the partial results, their reduce, and reading the model back natively.

The migration is cut into many chunks (64 KiB of records), the database is
damaged in records of different chunks, and the partitions' results are
merged in a shuffled order: the merge must name what a whole-run
verification names, and also what no single partition can see (a record
index no partition covered, or two did; a row whose record index is not
in the file). Expected values come from the database before it was
damaged, through the ORM, never from the verification's own output.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Date, create_engine, select, text
from sqlalchemy.orm import Session

from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.database import open_database
from bascule.migrate.migration import migrate_extract
from bascule.migrate.model import InsuredPerson, LegacyPayment, Stoppage
from bascule.migrate.readback import read_rows
from bascule.migrate.verify import (
    Verification,
    merge_verifications,
    run_to_verify,
    stray_rows,
    verify_chunk,
    verify_migration,
)
from tests.conftest import SAMPLE, sample_plan
from tests.migrate.test_verify import damage

EXTRACT = SAMPLE / "progres_441_latin1.dat"
SMALL_CHUNKS = 64 * 1024


@pytest.fixture
def migrated(database: str) -> tuple[str, int]:
    """The sample migrated in chunks of 64 KiB: about 17 partitions."""
    return database, migrate_extract(EXTRACT, database, chunk_bytes=SMALL_CHUNKS).run_id


def partitions(database: str, run_id: int) -> tuple[list[Verification], int]:
    """Each chunk verified on its own, plus the stray rows, shuffled; and the file's record count."""
    engine = open_database(database, existing=True)
    run = run_to_verify(engine, run_id)
    reader = ExtractReader(run.extract_path, chunk_bytes=SMALL_CHUNKS)
    with engine.connect() as connection:
        parts = [verify_chunk(connection, run, chunk) for chunk in reader]
        parts.append(stray_rows(connection, run, reader.summary.records))
    random.Random(12).shuffle(parts)
    engine.dispose()
    return parts, reader.summary.records


def merged(database: str, run_id: int, parts: list[Verification], records: int) -> Verification:
    engine = open_database(database, existing=True)
    run = run_to_verify(engine, run_id)
    engine.dispose()
    return merge_verifications(run, parts, records=records)


def payments(database: str, run_id: int) -> list[LegacyPayment]:
    with Session(create_engine(database)) as session:
        query = select(LegacyPayment).where(LegacyPayment.run_id == run_id).order_by(LegacyPayment.record_index)
        return list(session.scalars(query))


def test_partitions_merged_in_any_order_name_every_damage_across_chunks(migrated: tuple[str, int]) -> None:
    database, run_id = migrated
    paid = payments(database, run_id)
    first, last = paid[0], paid[-1]  # in the first chunk and in the last one
    damage(
        database,
        f"UPDATE legacy_payment SET amount_cents = amount_cents + 1 WHERE record_index IN "
        f"({first.record_index}, {last.record_index})",
        f"DELETE FROM legacy_payment WHERE record_index = {paid[len(paid) // 2].record_index}",
    )
    parts, records = partitions(database, run_id)
    assert len(parts) > 10
    result = merged(database, run_id, parts, records)
    assert result.records == sample_plan()["records"]
    assert result.lost == [paid[len(paid) // 2].record_index]
    assert result.migrated == sample_plan()["records"] - 1
    assert list(result.losses) == [("PA", "PA-MONTANT")]
    loss = result.losses[("PA", "PA-MONTANT")]
    assert loss.count == 2
    assert [(e["record_index"], e["legacy"], e["migrated"]) for e in loss.examples] == [
        (first.record_index, first.amount_cents, first.amount_cents + 1),
        (last.record_index, last.amount_cents, last.amount_cents + 1),
    ]
    assert result.to_dict() == verify_migration(database, run_id).to_dict()


def test_examples_stop_at_five_across_partitions_in_record_order(migrated: tuple[str, int]) -> None:
    database, run_id = migrated
    starts = [chunk.first_index for chunk in ExtractReader(EXTRACT, chunk_bytes=SMALL_CHUNKS)]
    with Session(create_engine(database)) as session:
        query = select(Stoppage).where(Stoppage.run_id == run_id).order_by(Stoppage.record_index)
        stoppages = [s for s in session.scalars(query) if s.nature.name != "MATERNITY"]
    # the first stoppage of each of seven chunks, so that each partition holds one example
    chosen = [next(s.record_index for s in stoppages if s.record_index >= start) for start in starts[1:8]]
    assert len(set(chosen)) == 7
    damage(database, f"UPDATE stoppage SET nature = 'MATERNITY' WHERE record_index IN ({', '.join(map(str, chosen))})")
    parts, records = partitions(database, run_id)
    loss = merged(database, run_id, parts, records).losses[("AR", "AR-NATURE")]
    assert loss.count == 7
    assert [e["record_index"] for e in loss.examples] == chosen[:5]
    assert all(e["migrated"] == "MAT" for e in loss.examples)


def test_a_partition_left_out_is_lost_and_one_given_twice_is_found_twice(migrated: tuple[str, int]) -> None:
    database, run_id = migrated
    parts, records = partitions(database, run_id)
    chunks = sorted((p for p in parts if p.covered), key=lambda p: p.covered[0])
    left_out, doubled = chunks[3], chunks[5]
    (gap_first, gap_end), (twice_first, twice_end) = left_out.covered[0], doubled.covered[0]
    result = merged(database, run_id, [p for p in parts if p is not left_out] + [doubled], records)
    assert not result.survived
    assert result.lost == list(range(gap_first, gap_end))
    assert result.found_twice == list(range(twice_first, twice_end))
    assert merged(database, run_id, parts, records).survived


def test_a_row_whose_record_index_is_not_in_the_file_is_lost(migrated: tuple[str, int]) -> None:
    database, run_id = migrated
    records = sample_plan()["records"]
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO rejected_record (run_id, record_index, record_type, reasons, fields, detail, raw) "
                "VALUES (:run, :index, 'PA', 'invented', '', '', :raw)"
            ),
            {"run": run_id, "index": records + 7, "raw": b"\x00"},
        )
    engine.dispose()
    result = verify_migration(database, run_id)
    assert result.lost == [records + 7] and not result.survived


def test_workers_find_what_one_process_finds(migrated: tuple[str, int]) -> None:
    database, run_id = migrated
    damage(database, "UPDATE insured_person SET last_name = 'DUPONT' WHERE record_index = 1")
    serial = verify_migration(database, run_id)
    assert [e["record_index"] for e in serial.losses[("AS", "AS-NOM")].examples] == [1]
    assert verify_migration(database, run_id, workers=2).to_dict(reveal=True) == serial.to_dict(reveal=True)


@pytest.mark.parametrize("table", [InsuredPerson, Stoppage, LegacyPayment], ids=lambda t: t.__tablename__)
def test_rows_read_back_natively_hold_what_the_orm_reads(migrated: tuple[str, int], table: type) -> None:
    database, run_id = migrated
    with Session(create_engine(database)) as session:
        query = select(table).where(table.run_id == run_id).order_by(table.record_index)
        expected = [row for row in session.scalars(query) if 1000 <= row.record_index < 3000]
    engine = open_database(database, existing=True)
    names = [column.name for column in table.__table__.c]
    with engine.connect() as connection:
        columns = read_rows(connection, table.__table__, names, run_id, 1000, 3000)
    engine.dispose()
    assert len(columns["record_index"]) == len(expected) > 0
    for name in names:
        values = columns[name]
        column_type = table.__table__.c[name].type.python_type
        if column_type is int and not table.__table__.c[name].nullable:
            assert values.dtype == np.int64, name
        if isinstance(table.__table__.c[name].type, Date):
            assert values.dtype == np.dtype("datetime64[D]"), name
        for row, value in zip(expected, values, strict=True):
            assert _plain(value) == _orm_plain(getattr(row, name)), (name, row.record_index)


def _plain(value: object) -> object:
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _orm_plain(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.name if hasattr(value, "name") and not isinstance(value, str) else value


@pytest.mark.parametrize(
    ("statement", "field", "migrated_value"),
    [
        ("UPDATE legacy_payment SET amount_cents = 'abc' WHERE record_index = {pa}", "PA-MONTANT", "abc"),
        (
            "UPDATE legacy_payment SET paid_on = '2024-13-45' WHERE record_index = {pa}",
            "PA-DATE-PAIEMENT",
            "2024-13-45",
        ),
        ("UPDATE legacy_payment SET paid_on = NULL WHERE record_index = {pa}", "PA-DATE-PAIEMENT", None),
    ],
    ids=["text-in-an-integer", "no-day-in-a-date", "null-date"],
)
def test_a_value_sqlite_let_in_against_its_type_is_reported_not_a_crash(
    tmp_path: Path, statement: str, field: str, migrated_value: object
) -> None:
    database = f"sqlite:///{tmp_path / 'bascule.db'}"
    run_id = migrate_extract(EXTRACT, database, chunk_bytes=SMALL_CHUNKS).run_id
    target = next(p for p in payments(database, run_id) if p.paid_on is not None)
    damage(database, statement.format(pa=target.record_index))
    result = verify_migration(database, run_id)
    assert list(result.losses) == [("PA", field)]
    example = result.losses[("PA", field)].examples[0]
    assert example["record_index"] == target.record_index and example["migrated"] == migrated_value


def test_a_sqlite_database_verified_keeps_the_commits_of_a_connection_open_meanwhile(tmp_path: Path) -> None:
    """One copy of SQLite in the process: a second one (ADBC's) removed the write-ahead log under the first's feet."""
    path = tmp_path / "bascule.db"
    database = f"sqlite:///{path}"
    run_id = migrate_extract(EXTRACT, database, chunk_bytes=SMALL_CHUNKS).run_id
    engine = open_database(database, existing=True)
    with engine.connect() as kept_open:  # a connection of the run store's, open while verifying
        kept_open.exec_driver_sql("SELECT count(*) FROM migration_run").scalar()
        assert verify_migration(database, run_id).survived
        kept_open.exec_driver_sql("UPDATE migration_run SET caisse_name = 'AFTER'")
        kept_open.commit()
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as reader:
            assert reader.execute("SELECT caisse_name FROM migration_run").fetchone() == ("AFTER",)
    engine.dispose()
