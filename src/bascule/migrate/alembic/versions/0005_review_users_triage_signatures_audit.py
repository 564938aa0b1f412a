"""the review: users, triage decisions and their approvals, the committee's signatures, the audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "review_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_user")),
        sa.UniqueConstraint("name", name=op.f("uq_review_user_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "committee_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=80), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(length=80), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("computed_decision", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["shadow_run.id"], name=op.f("fk_committee_signature_run_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_signature")),
        sa.UniqueConstraint("sha256", name=op.f("uq_committee_signature_sha256")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_committee_signature_family"), "committee_signature", ["family"], unique=False)
    op.create_table(
        "triage_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=80), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("ticket", sa.String(length=80), nullable=True),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["shadow_run.id"], name=op.f("fk_triage_decision_run_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_decision")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_triage_decision_family"), "triage_decision", ["family"], unique=False)
    op.create_table(
        "triage_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(length=80), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["triage_decision.id"], name=op.f("fk_triage_approval_decision_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_approval")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_triage_approval_decision_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("triage_approval")
    op.drop_index(op.f("ix_triage_decision_family"), table_name="triage_decision")
    op.drop_table("triage_decision")
    op.drop_index(op.f("ix_committee_signature_family"), table_name="committee_signature")
    op.drop_table("committee_signature")
    op.drop_table("review_user")
    op.drop_table("audit_log")
