"""bascule migrate: the new model's content, idempotence, resumption, rejects and books.

Every test runs against SQLite and a real PostgreSQL server (the
``database`` fixture). Expected values come from the independent vectors'
content file or from docs/PROGRES-LAYOUT.md, never from bascule's own output.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from bascule.legacy_adapters.reader import ExtractChunk, PartFacts, PartReader, PartSummary
from bascule.migrate import codes
from bascule.migrate.database import open_database, upgrade
from bascule.migrate.migration import migrate_extract
from bascule.migrate.model import (
    InsuredPerson,
    LegacyPayment,
    MigrationRun,
    RejectedRecord,
    RunStatus,
    SalaryAttestation,
    SalaryLine,
    Stoppage,
    SubrogationPeriod,
)
from tests.conftest import VECTORS, sample_plan
from tests.legacy_adapters.extract_bytes import ExtractBytes

CONTENT = json.loads((VECTORS / "vectors_content.json").read_text())
LATIN1 = VECTORS / "vectors_latin1.dat"
RECORDS_OF_VECTORS = 14


def upgrade_schema(database: str) -> Engine:
    engine = open_database(database)
    upgrade(engine)
    return engine


def rows(database: str, model: type, run_id: int) -> list:
    with Session(create_engine(database)) as session:
        return list(session.scalars(select(model).where(model.run_id == run_id).order_by(model.record_index)))


def count(database: str, model: type) -> int:
    with Session(create_engine(database)) as session:
        return session.scalar(select(func.count()).select_from(model))


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def day(value: str | int) -> dt.date | None:
    return None if value == 0 else dt.datetime.strptime(str(value), "%Y%m%d").date()


@pytest.mark.parametrize("encoding", ["latin1", "cp1147"])
def test_vectors_migrate_balanced_into_the_model(database: str, encoding: str) -> None:
    books = migrate_extract(VECTORS / f"vectors_{encoding}.dat", database)
    assert books.balanced and books.rejected == 0
    assert books.records == books.migrated == RECORDS_OF_VECTORS
    payments = [r for r in CONTENT if r["type"] == "PA"]
    assert books.migrated_cents == books.trailer["total_cents"] == sum(cents(p["PA-MONTANT"]) for p in payments)

    person = rows(database, InsuredPerson, books.run_id)[0]
    expected = CONTENT[0]
    assert (person.nir, person.nir_key, person.last_name, person.first_name) == (
        expected["PRG-NIR"],
        expected["PRG-NIR-CLE"],
        expected["AS-NOM"],
        expected["AS-PRENOM"],
    )
    assert person.scheme is codes.Scheme.BOTH and person.sex is codes.Sex.FEMALE
    assert person.keeps_rights is False and person.contract_end_date is None
    assert person.self_employed_income_cents == cents(expected["AS-REVENU-TI"])


def test_codes_dates_and_links_follow_layout(database: str) -> None:
    books = migrate_extract(LATIN1, database)
    stoppage = rows(database, Stoppage, books.run_id)[0]
    expected = next(r for r in CONTENT if r["type"] == "AR")
    assert stoppage.nature is codes.StoppageNature.SICKNESS  # MAL
    assert stoppage.modality is codes.Modality.FULL_TIME  # TC
    assert stoppage.long_term_illness is True  # AR-ALD O
    assert stoppage.status is codes.StoppageStatus.CLOSED  # C
    assert (stoppage.start_date, stoppage.end_date) == (day(expected["AR-DATE-DEBUT"]), day(expected["AR-DATE-FIN"]))
    assert stoppage.legacy_rights_end is None and stoppage.initial_stoppage_index is None

    with Session(create_engine(database)) as session:
        payment = session.scalars(select(LegacyPayment).where(LegacyPayment.run_id == books.run_id)).first()
        stoppage_of_payment = session.get(Stoppage, (books.run_id, payment.stoppage_index))
        assert stoppage_of_payment.number == "V000000001"
        assert stoppage_of_payment.person.nir == CONTENT[0]["PRG-NIR"]
        assert [s.number for s in stoppage_of_payment.person.stoppages] == ["V000000001"]
    expected_payment = next(r for r in CONTENT if r["type"] == "PA")
    assert payment.payee is codes.Payee.EMPLOYER and payment.employer_siret == expected_payment["PA-SIRET"]
    assert payment.amount_cents == cents(expected_payment["PA-MONTANT"])
    assert payment.rate_hundredths_pct == 5000  # PA-TAUX 05000 = 50.00 %

    line = rows(database, SalaryLine, books.run_id)[0]
    assert line.gross_cents == 199999 and line.hours_hundredths == 15167  # 1,999.99 € and 151.67 h
    period = rows(database, SubrogationPeriod, books.run_id)[0]
    assert period.attestation_index == rows(database, SalaryAttestation, books.run_id)[0].record_index


def test_header_and_trailer_live_in_the_run(database: str) -> None:
    books = migrate_extract(LATIN1, database)
    with Session(create_engine(database)) as session:
        run = session.get(MigrationRun, books.run_id)
    assert (run.caisse, run.caisse_name, run.extraction_date) == (851, "CPAM ORACLE", dt.date(2025, 1, 15))
    assert (run.trailer_records, run.trailer_persons, run.trailer_stoppages) == (14, 2, 2)
    assert run.status is RunStatus.COMPLETE and run.layout_version == 1


def test_migrating_the_same_extract_again_changes_nothing(database: str) -> None:
    first = migrate_extract(LATIN1, database)
    again = migrate_extract(LATIN1, database)
    assert again.outcome == "already migrated" and again.run_id == first.run_id
    assert count(database, LegacyPayment) == 4 and count(database, MigrationRun) == 1


def test_replace_reloads_under_a_new_run(database: str) -> None:
    first = migrate_extract(LATIN1, database)
    replaced = migrate_extract(LATIN1, database, replace=True)
    assert replaced.outcome == "migrated" and replaced.run_id != first.run_id and replaced.balanced
    assert count(database, LegacyPayment) == 4 and count(database, MigrationRun) == 1


def test_a_failed_chunk_leaves_nothing_and_a_rerun_finishes_the_job(database: str, tmp_path: Path) -> None:
    """A chunk is atomic: the database refuses one of its rows, none of them stays; the rerun resumes."""
    chunk_of_one_person = 200 * 10  # the vectors' first person spans records 1-9, the second 10-12
    engine = upgrade_schema(database)
    _refuse_payment(engine, "P000000004")  # the second person's payment
    with pytest.raises(Exception, match="refused"):
        migrate_extract(LATIN1, database, chunk_bytes=chunk_of_one_person)
    with Session(engine) as session:
        run = session.scalars(select(MigrationRun)).one()
        assert run.status is RunStatus.RUNNING
        assert session.scalars(select(InsuredPerson.nir)).all() == [CONTENT[0]["PRG-NIR"]]  # first chunk only
    _allow_payments(engine)
    books = migrate_extract(LATIN1, database, chunk_bytes=10 * 2**20)  # the run's own chunk size is kept
    assert books.outcome == "resumed" and books.run_id == run.id
    assert books.balanced and books.migrated == RECORDS_OF_VECTORS
    assert count(database, InsuredPerson) == 2 and count(database, LegacyPayment) == 4


def test_a_resumed_migration_does_not_decode_the_chunks_it_committed(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decoding a committed chunk again cost a resume 23.6 s of the whole run's 37.9 s (issue 16, item 12)."""
    engine = upgrade_schema(database)
    _refuse_payment(engine, "P000000004")  # the second person's: the first chunk (records 0-9) is committed
    with pytest.raises(Exception, match="refused"):
        migrate_extract(LATIN1, database, chunk_bytes=200 * 10)
    _allow_payments(engine)
    decoded: list[int] = []
    read = PartReader.read

    def counted(reader: PartReader, facts: PartFacts) -> tuple[ExtractChunk, PartSummary]:
        decoded.append(facts.part.first_index)
        return read(reader, facts)

    monkeypatch.setattr(PartReader, "read", counted)
    books = migrate_extract(LATIN1, database)
    assert decoded == [10]  # the second person's chunk, with the trailer; not the first
    assert books.outcome == "resumed" and books.balanced and books.migrated == RECORDS_OF_VECTORS
    with Session(engine) as session:
        run = session.get(MigrationRun, books.run_id)
        assert run is not None and run.layout_version == 1 and sum(run.records_read.values()) == RECORDS_OF_VECTORS
        assert run.records_read == dict(Counter(r["type"] for r in CONTENT) + Counter({"HD": 1, "FT": 1}))


def _refuse_payment(engine: Engine, payment_id: str) -> None:
    """A real refusal by the database (a trigger), not a simulated one."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON legacy_payment WHEN NEW.payment_id = '{payment_id}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.payment_id = '{payment_id}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END "
                    "$$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON legacy_payment FOR EACH ROW EXECUTE FUNCTION refuse()")
            )


def _allow_payments(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("DROP TRIGGER refuse" + ("" if engine.dialect.name == "sqlite" else " ON legacy_payment"))
        )


def test_rejected_records_keep_their_bytes_reasons_and_money(database: str, tmp_path: Path) -> None:
    extract = ExtractBytes.of(LATIN1)
    extract.set(10, "PRG-NIR-CLE", 1)  # the second person's key is wrong: they and their records are rejected
    path = extract.write(tmp_path / "extract.dat")
    books = migrate_extract(path, database)
    rejected = rows(database, RejectedRecord, books.run_id)
    assert [r.record_index for r in rejected] == [10, 11, 12]
    assert [bytes(r.raw) for r in rejected] == [bytes(extract.records[i]) for i in (10, 11, 12)]
    assert rejected[0].reasons == "nir_key" and rejected[0].fields == "PRG-NIR-CLE"
    assert books.rejects_by_reason["orphan"] == 2
    payment = next(r for r in CONTENT if r["type"] == "PA" and r["PA-ID"] == "P000000004")
    assert books.rejected_cents == cents(payment["PA-MONTANT"])
    assert books.balanced, books.differences  # rejected, but accounted for
    assert books.records == books.migrated + books.rejected == RECORDS_OF_VECTORS


def test_books_that_do_not_balance_are_said(database: str, tmp_path: Path) -> None:
    extract = ExtractBytes.of(LATIN1)
    extract.set(13, "FT-TOTAL-MONTANTS", 10003701)
    books = migrate_extract(extract.write(tmp_path / "extract.dat"), database)
    assert not books.balanced
    assert any(
        "payments: the FT trailer declares 100,037.01 €" in d and "(difference 0.01 €)" in d for d in books.differences
    ), books.differences


def test_sample_migrates_whole_on_both_databases(database: str) -> None:
    sample = Path(__file__).parents[2] / "sample_data" / "progres_441_cp1147.dat"
    books = migrate_extract(sample, database)
    assert books.balanced and books.rejected == 0 and books.records == sample_plan()["records"]
    frame = pd.DataFrame([c.__dict__ for c in books.counts]).set_index("record_type")
    assert (frame["read"] == frame["migrated"]).all()
