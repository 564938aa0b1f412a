"""the new model and the migration bookkeeping

Revision ID: 0001
Revises:
Create Date: 2026-11-23 08:42:18.570284

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "migration_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("extract_sha256", sa.String(length=64), nullable=False),
        sa.Column("extract_path", sa.Text(), nullable=False),
        sa.Column("extract_bytes", sa.BigInteger(), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=False),
        sa.Column("layout_version", sa.SmallInteger(), nullable=True),
        sa.Column("chunk_bytes", sa.BigInteger(), nullable=False),
        sa.Column("bascule_version", sa.String(length=40), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Enum("RUNNING", "COMPLETE", name="runstatus", native_enum=False), nullable=False),
        sa.Column("header_index", sa.BigInteger(), nullable=True),
        sa.Column("caisse", sa.SmallInteger(), nullable=True),
        sa.Column("caisse_code", sa.SmallInteger(), nullable=True),
        sa.Column("caisse_name", sa.String(length=40), nullable=True),
        sa.Column("extraction_date", sa.Date(), nullable=True),
        sa.Column("trailer_index", sa.BigInteger(), nullable=True),
        sa.Column("trailer_caisse", sa.SmallInteger(), nullable=True),
        sa.Column("trailer_records", sa.BigInteger(), nullable=True),
        sa.Column("trailer_persons", sa.BigInteger(), nullable=True),
        sa.Column("trailer_stoppages", sa.BigInteger(), nullable=True),
        sa.Column("trailer_total_cents", sa.BigInteger(), nullable=True),
        sa.Column("records_read", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_run")),
        sa.UniqueConstraint("extract_sha256", name=op.f("uq_migration_run_extract_sha256")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "insured_person",
        sa.Column("caisse", sa.SmallInteger(), nullable=False),
        sa.Column("nir", sa.String(length=13), nullable=False),
        sa.Column("nir_key", sa.SmallInteger(), nullable=False),
        sa.Column("last_name", sa.String(length=30), nullable=False),
        sa.Column("first_name", sa.String(length=20), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.Enum("MALE", "FEMALE", name="sex", native_enum=False), nullable=False),
        sa.Column(
            "scheme", sa.Enum("SALARIED", "SELF_EMPLOYED", "BOTH", name="scheme", native_enum=False), nullable=False
        ),
        sa.Column("dependent_children", sa.SmallInteger(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("keeps_rights", sa.Boolean(), nullable=False),
        sa.Column("contract_end_date", sa.Date(), nullable=True),
        sa.Column("self_employed_income_cents", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_insured_person_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_insured_person")),
        sa.UniqueConstraint("run_id", "nir", name=op.f("uq_insured_person_run_id_nir")),
    )
    op.create_table(
        "migration_chunk",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("first_index", sa.BigInteger(), nullable=False),
        sa.Column("record_count", sa.BigInteger(), nullable=False),
        sa.Column("rejected_payment_cents", sa.BigInteger(), nullable=False),
        sa.Column("unreadable_rejected_payments", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_migration_chunk_run_id")),
        sa.PrimaryKeyConstraint("run_id", "first_index", name=op.f("pk_migration_chunk")),
    )
    op.create_table(
        "rejected_record",
        sa.Column("record_type", sa.String(length=2), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_rejected_record_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_rejected_record")),
    )
    op.create_table(
        "stoppage",
        sa.Column("person_index", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column(
            "nature",
            sa.Enum("SICKNESS", "WORK_ACCIDENT", "MATERNITY", "PATERNITY", name="stoppagenature", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "modality",
            sa.Enum("FULL_TIME", "THERAPEUTIC_PART_TIME", name="modality", native_enum=False),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("last_day_worked", sa.Date(), nullable=True),
        sa.Column("initial_stoppage_index", sa.BigInteger(), nullable=True),
        sa.Column("long_term_illness", sa.Boolean(), nullable=False),
        sa.Column("accident_date", sa.Date(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("presumed_birth_date", sa.Date(), nullable=True),
        sa.Column("children_born", sa.SmallInteger(), nullable=False),
        sa.Column("birth_rank", sa.SmallInteger(), nullable=False),
        sa.Column("stillbirth", sa.Boolean(), nullable=False),
        sa.Column(
            "status", sa.Enum("OPEN", "CLOSED", "CANCELLED", name="stoppagestatus", native_enum=False), nullable=False
        ),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("legacy_rights_end", sa.Date(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "initial_stoppage_index"],
            ["stoppage.run_id", "stoppage.record_index"],
            name=op.f("fk_stoppage_run_id_initial_stoppage_index"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id", "person_index"],
            ["insured_person.run_id", "insured_person.record_index"],
            name=op.f("fk_stoppage_run_id_person_index"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_stoppage_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_stoppage")),
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_stoppage_run_id_number")),
    )
    with op.batch_alter_table("stoppage", schema=None) as batch_op:
        batch_op.create_index("ix_stoppage_initial", ["run_id", "initial_stoppage_index"], unique=False)
        batch_op.create_index("ix_stoppage_person", ["run_id", "person_index"], unique=False)

    op.create_table(
        "employer",
        sa.Column("stoppage_index", sa.BigInteger(), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "stoppage_index"],
            ["stoppage.run_id", "stoppage.record_index"],
            name=op.f("fk_employer_run_id_stoppage_index"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_employer_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_employer")),
    )
    with op.batch_alter_table("employer", schema=None) as batch_op:
        batch_op.create_index("ix_employer_stoppage", ["run_id", "stoppage_index"], unique=False)

    op.create_table(
        "legacy_payment",
        sa.Column("stoppage_index", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.String(length=12), nullable=False),
        sa.Column(
            "nature",
            sa.Enum(
                "SETTLEMENT", "ADVANCE", "BACK_PAYMENT", "OVERPAYMENT_RECOVERY", name="paymentnature", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("days", sa.SmallInteger(), nullable=False),
        sa.Column("daily_amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("rate_hundredths_pct", sa.Integer(), nullable=False),
        sa.Column("daily_salary_cents", sa.BigInteger(), nullable=False),
        sa.Column("payee", sa.Enum("INSURED", "EMPLOYER", name="payee", native_enum=False), nullable=False),
        sa.Column("employer_siret", sa.String(length=14), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column(
            "scheme", sa.Enum("SALARIED", "SELF_EMPLOYED", name="paymentscheme", native_enum=False), nullable=False
        ),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "stoppage_index"],
            ["stoppage.run_id", "stoppage.record_index"],
            name=op.f("fk_legacy_payment_run_id_stoppage_index"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_legacy_payment_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_legacy_payment")),
        sa.UniqueConstraint("run_id", "payment_id", name=op.f("uq_legacy_payment_run_id_payment_id")),
    )
    with op.batch_alter_table("legacy_payment", schema=None) as batch_op:
        batch_op.create_index("ix_legacy_payment_stoppage", ["run_id", "stoppage_index"], unique=False)

    op.create_table(
        "salary_attestation",
        sa.Column("stoppage_index", sa.BigInteger(), nullable=False),
        sa.Column("attestation_id", sa.String(length=12), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum("INITIAL", "CORRECTED", "CANCELLATION", name="attestationreason", native_enum=False),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("return_to_work_on", sa.Date(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "stoppage_index"],
            ["stoppage.run_id", "stoppage.record_index"],
            name=op.f("fk_salary_attestation_run_id_stoppage_index"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_salary_attestation_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_salary_attestation")),
        sa.UniqueConstraint("run_id", "attestation_id", name=op.f("uq_salary_attestation_run_id_attestation_id")),
    )
    with op.batch_alter_table("salary_attestation", schema=None) as batch_op:
        batch_op.create_index("ix_salary_attestation_stoppage", ["run_id", "stoppage_index"], unique=False)

    op.create_table(
        "salary_line",
        sa.Column("attestation_index", sa.BigInteger(), nullable=False),
        sa.Column(
            "nature",
            sa.Enum("REFERENCE_MONTH", "PART_TIME_PAY", name="salarylinenature", native_enum=False),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("hours_hundredths", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "attestation_index"],
            ["salary_attestation.run_id", "salary_attestation.record_index"],
            name=op.f("fk_salary_line_run_id_attestation_index"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_salary_line_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_salary_line")),
    )
    with op.batch_alter_table("salary_line", schema=None) as batch_op:
        batch_op.create_index("ix_salary_line_attestation", ["run_id", "attestation_index"], unique=False)

    op.create_table(
        "subrogation_period",
        sa.Column("attestation_index", sa.BigInteger(), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "attestation_index"],
            ["salary_attestation.run_id", "salary_attestation.record_index"],
            name=op.f("fk_subrogation_period_run_id_attestation_index"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_subrogation_period_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", name=op.f("pk_subrogation_period")),
    )
    with op.batch_alter_table("subrogation_period", schema=None) as batch_op:
        batch_op.create_index("ix_subrogation_period_attestation", ["run_id", "attestation_index"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("subrogation_period", schema=None) as batch_op:
        batch_op.drop_index("ix_subrogation_period_attestation")

    op.drop_table("subrogation_period")
    with op.batch_alter_table("salary_line", schema=None) as batch_op:
        batch_op.drop_index("ix_salary_line_attestation")

    op.drop_table("salary_line")
    with op.batch_alter_table("salary_attestation", schema=None) as batch_op:
        batch_op.drop_index("ix_salary_attestation_stoppage")

    op.drop_table("salary_attestation")
    with op.batch_alter_table("legacy_payment", schema=None) as batch_op:
        batch_op.drop_index("ix_legacy_payment_stoppage")

    op.drop_table("legacy_payment")
    with op.batch_alter_table("employer", schema=None) as batch_op:
        batch_op.drop_index("ix_employer_stoppage")

    op.drop_table("employer")
    with op.batch_alter_table("stoppage", schema=None) as batch_op:
        batch_op.drop_index("ix_stoppage_person")
        batch_op.drop_index("ix_stoppage_initial")

    op.drop_table("stoppage")
    op.drop_table("rejected_record")
    op.drop_table("migration_chunk")
    op.drop_table("insured_person")
    op.drop_table("migration_run")
