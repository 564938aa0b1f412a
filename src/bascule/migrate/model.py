"""The new data model (SQLAlchemy 2 ORM), and the bookkeeping of migrations.

Every migrated row is keyed by its lineage: the migration run and the
position (record index) in the extract of the legacy record it came from.
Links between rows are links between those records (a stoppage's person is
the ``AS`` record before it), so a row can always be traced back to its
bytes, and no identifier is invented. Amounts are integer cents; codes are
the enums of :mod:`bascule.migrate.codes`, stored by name.

Rows are written in bulk (:mod:`bascule.migrate.load`), never one ORM object
at a time; the relationships below are for reading.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum as PyEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, mapped_column, relationship

from bascule.migrate.codes import (
    AttestationReason,
    Modality,
    Payee,
    PaymentNature,
    PaymentScheme,
    SalaryLineNature,
    Scheme,
    Sex,
    StoppageNature,
    StoppageStatus,
)

# Constraint names fixed by convention, so that Alembic migrations can name them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


def code(enum: type[PyEnum]) -> Enum:
    """A column of an enum, stored by member name as a short string on every database."""
    return Enum(enum, native_enum=False, length=max(len(m.name) for m in enum), validate_strings=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RunStatus(PyEnum):
    RUNNING = "running"  # started, not finished: its holder is alive, or a rerun resumes it
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # its holder died before the end: never reported, sealed nor used as a baseline


# ------------------------------------------------------------ the migration
class MigrationRun(Base):
    """One migration of one extract; its hash makes a rerun idempotent."""

    __tablename__ = "migration_run"
    __table_args__ = {"sqlite_autoincrement": True}  # a replaced run's id is never given again

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extract_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    extract_path: Mapped[str] = mapped_column(Text)
    extract_bytes: Mapped[int] = mapped_column(BigInteger)
    encoding: Mapped[str] = mapped_column(String(16))
    layout_version: Mapped[int | None] = mapped_column(SmallInteger)
    chunk_bytes: Mapped[int] = mapped_column(BigInteger)  # a resumed run cuts the same chunks
    bascule_version: Mapped[str] = mapped_column(String(40))
    started: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[RunStatus] = mapped_column(code(RunStatus))
    holder: Mapped[str | None] = mapped_column(String(200))  # the process running it: host, pid, start
    heartbeat: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # its holder's last sign of life
    # The HD header and the FT trailer, migrated into the run itself.
    header_index: Mapped[int | None] = mapped_column(BigInteger)
    caisse: Mapped[int | None] = mapped_column(SmallInteger)  # PRG-CAISSE of HD
    caisse_code: Mapped[int | None] = mapped_column(SmallInteger)  # HD-CODE-CAISSE
    caisse_name: Mapped[str | None] = mapped_column(String(40))
    extraction_date: Mapped[dt.date | None] = mapped_column(Date)
    trailer_index: Mapped[int | None] = mapped_column(BigInteger)
    trailer_caisse: Mapped[int | None] = mapped_column(SmallInteger)
    trailer_records: Mapped[int | None] = mapped_column(BigInteger)
    trailer_persons: Mapped[int | None] = mapped_column(BigInteger)
    trailer_stoppages: Mapped[int | None] = mapped_column(BigInteger)
    trailer_total_cents: Mapped[int | None] = mapped_column(BigInteger)
    # What the reader found in the file, kept for the reconciliation.
    records_read: Mapped[dict[str, int] | None] = mapped_column(JSON)


class MigrationChunk(Base):
    """A chunk of whole persons, committed with its rows: what a resumed run skips."""

    __tablename__ = "migration_chunk"

    run_id: Mapped[int] = mapped_column(ForeignKey("migration_run.id"), primary_key=True)
    first_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    record_count: Mapped[int] = mapped_column(BigInteger)
    rejected_payment_cents: Mapped[int] = mapped_column(BigInteger)
    unreadable_rejected_payments: Mapped[int] = mapped_column(Integer)


class Lineage:
    """The run and the record index of the legacy record a row came from: its key."""

    run_id: Mapped[int] = mapped_column(ForeignKey("migration_run.id"), primary_key=True)
    record_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)


def _parent(column: str, table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["run_id", column], [f"{table}.run_id", f"{table}.record_index"])


class RejectedRecord(Lineage, Base):
    """A legacy record that was not migrated, with its reasons and its bytes."""

    __tablename__ = "rejected_record"

    record_type: Mapped[str] = mapped_column(String(2))
    reasons: Mapped[str] = mapped_column(Text)  # reason codes, comma-separated
    fields: Mapped[str] = mapped_column(Text)  # the fields at fault, comma-separated
    detail: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class MigrationFinding(Base):
    """A migrated record the migration has something to say about; it is in the model, not rejected.

    ``finding`` is a code of :class:`bascule.migrate.findings.Finding`;
    ``facts`` what a person needs to look the record up (its identifiers and
    dates, no personal data). A finding changes neither the books nor the
    exit code of ``bascule migrate``.
    """

    __tablename__ = "migration_finding"

    run_id: Mapped[int] = mapped_column(ForeignKey("migration_run.id"), primary_key=True)
    record_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    finding: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(2))
    facts: Mapped[dict[str, object]] = mapped_column(JSON)


# ------------------------------------------------------------- the new model
class InsuredPerson(Lineage, Base):
    __tablename__ = "insured_person"
    __table_args__ = (UniqueConstraint("run_id", "nir"),)

    caisse: Mapped[int] = mapped_column(SmallInteger)
    nir: Mapped[str] = mapped_column(String(13))
    nir_key: Mapped[int] = mapped_column(SmallInteger)
    last_name: Mapped[str] = mapped_column(String(30))
    first_name: Mapped[str] = mapped_column(String(20))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(code(Sex))
    scheme: Mapped[Scheme] = mapped_column(code(Scheme))
    dependent_children: Mapped[int] = mapped_column(SmallInteger)
    iban: Mapped[str | None] = mapped_column(String(34))
    keeps_rights: Mapped[bool]  # covered after losing their job (maintien de droits)
    contract_end_date: Mapped[dt.date | None] = mapped_column(Date)
    self_employed_income_cents: Mapped[int] = mapped_column(BigInteger)

    stoppages: Mapped[list[Stoppage]] = relationship(
        primaryjoin=lambda: and_(
            InsuredPerson.run_id == foreign(Stoppage.run_id),
            InsuredPerson.record_index == foreign(Stoppage.person_index),
        ),
        viewonly=True,
        back_populates="person",
        order_by=lambda: Stoppage.record_index,
    )


class Stoppage(Lineage, Base):
    __tablename__ = "stoppage"
    __table_args__ = (
        _parent("person_index", "insured_person"),
        _parent("initial_stoppage_index", "stoppage"),
        UniqueConstraint("run_id", "number"),
        Index("ix_stoppage_person", "run_id", "person_index"),
        Index("ix_stoppage_initial", "run_id", "initial_stoppage_index"),
    )

    person_index: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(10))
    nature: Mapped[StoppageNature] = mapped_column(code(StoppageNature))
    modality: Mapped[Modality] = mapped_column(code(Modality))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    last_day_worked: Mapped[dt.date | None] = mapped_column(Date)
    initial_stoppage_index: Mapped[int | None] = mapped_column(BigInteger)  # set on an extension
    long_term_illness: Mapped[bool]  # ALD
    accident_date: Mapped[dt.date | None] = mapped_column(Date)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    presumed_birth_date: Mapped[dt.date | None] = mapped_column(Date)
    children_born: Mapped[int] = mapped_column(SmallInteger)
    birth_rank: Mapped[int] = mapped_column(SmallInteger)
    stillbirth: Mapped[bool]
    status: Mapped[StoppageStatus] = mapped_column(code(StoppageStatus))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    legacy_rights_end: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[InsuredPerson] = relationship(
        primaryjoin=lambda: and_(
            foreign(Stoppage.run_id) == InsuredPerson.run_id,
            foreign(Stoppage.person_index) == InsuredPerson.record_index,
        ),
        viewonly=True,
        back_populates="stoppages",
    )


def _stoppage_bound(index_name: str) -> tuple[object, ...]:
    return (_parent("stoppage_index", "stoppage"), Index(index_name, "run_id", "stoppage_index"))


class Employer(Lineage, Base):
    """An employer of a stoppage (EM record)."""

    __tablename__ = "employer"
    __table_args__ = _stoppage_bound("ix_employer_stoppage")

    stoppage_index: Mapped[int] = mapped_column(BigInteger)
    siret: Mapped[str] = mapped_column(String(14))
    name: Mapped[str] = mapped_column(String(40))
    iban: Mapped[str | None] = mapped_column(String(34))


class SalaryAttestation(Lineage, Base):
    """One version of an employer's salary attestation; every version is kept.

    The one in force, for a stoppage and an employer, is the highest version,
    unless it is a cancellation: see :mod:`bascule.domain.attestations`.
    """

    __tablename__ = "salary_attestation"
    __table_args__ = (*_stoppage_bound("ix_salary_attestation_stoppage"), UniqueConstraint("run_id", "attestation_id"))

    stoppage_index: Mapped[int] = mapped_column(BigInteger)
    attestation_id: Mapped[str] = mapped_column(String(12))
    siret: Mapped[str] = mapped_column(String(14))
    version: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[AttestationReason] = mapped_column(code(AttestationReason))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    return_to_work_on: Mapped[dt.date | None] = mapped_column(Date)


def _attestation_bound(index_name: str) -> tuple[object, ...]:
    return (_parent("attestation_index", "salary_attestation"), Index(index_name, "run_id", "attestation_index"))


class SalaryLine(Lineage, Base):
    __tablename__ = "salary_line"
    __table_args__ = _attestation_bound("ix_salary_line_attestation")

    attestation_index: Mapped[int] = mapped_column(BigInteger)
    nature: Mapped[SalaryLineNature] = mapped_column(code(SalaryLineNature))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    hours_hundredths: Mapped[int] = mapped_column(Integer)


class SubrogationPeriod(Lineage, Base):
    """Days for which the employer keeps paying the salary and receives the allowance."""

    __tablename__ = "subrogation_period"
    __table_args__ = _attestation_bound("ix_subrogation_period_attestation")

    attestation_index: Mapped[int] = mapped_column(BigInteger)
    siret: Mapped[str] = mapped_column(String(14))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class LegacyPayment(Lineage, Base):
    """A payment the legacy system made (PA record)."""

    __tablename__ = "legacy_payment"
    __table_args__ = (*_stoppage_bound("ix_legacy_payment_stoppage"), UniqueConstraint("run_id", "payment_id"))

    stoppage_index: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[str] = mapped_column(String(12))
    nature: Mapped[PaymentNature] = mapped_column(code(PaymentNature))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    days: Mapped[int] = mapped_column(SmallInteger)
    daily_amount_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    rate_hundredths_pct: Mapped[int] = mapped_column(Integer)  # 5000 = 50.00 %
    daily_salary_cents: Mapped[int] = mapped_column(BigInteger)
    payee: Mapped[Payee] = mapped_column(code(Payee))
    employer_siret: Mapped[str | None] = mapped_column(String(14))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    scheme: Mapped[PaymentScheme] = mapped_column(code(PaymentScheme))


MODEL_TABLES = (InsuredPerson, Stoppage, Employer, SalaryAttestation, SalaryLine, SubrogationPeriod, LegacyPayment)


# ------------------------------------------------------ the database's identity
class DatabaseIdentity(Base):
    """The one row that names this database: files kept outside it (the run store) are keyed by it."""

    __tablename__ = "database_identity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, made with the schema
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    store: Mapped[str | None] = mapped_column(Text)  # the run store's folder, configured once for a server database
