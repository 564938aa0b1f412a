"""the run store of shadow runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:55:09.814363

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "shadow_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("RUNNING", "COMPLETE", name="runstatus", native_enum=False), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bascule_version", sa.String(length=40), nullable=False),
        sa.Column("extract_path", sa.Text(), nullable=False),
        sa.Column("extract_sha256", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=80), nullable=False),
        sa.Column("caisse", sa.Integer(), nullable=True),
        sa.Column("extraction_date", sa.Date(), nullable=False),
        sa.Column("engines", sa.JSON(), nullable=False),
        sa.Column("parameters_version", sa.String(length=40), nullable=False),
        sa.Column("waivers", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("store_path", sa.Text(), nullable=False),
        sa.Column("persons", sa.BigInteger(), nullable=False),
        sa.Column("stoppages", sa.BigInteger(), nullable=False),
        sa.Column("divergent", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("unresolved", sa.BigInteger(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("migration", sa.JSON(), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_run")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("shadow_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shadow_run_family"), ["family"], unique=False)

    op.create_table(
        "shadow_cluster",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("cluster", sa.String(length=8), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("stoppages", sa.BigInteger(), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("at_stake_cents", sa.BigInteger(), nullable=False),
        sa.Column("under_cents", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("example", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["shadow_run.id"], name=op.f("fk_shadow_cluster_run_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "cluster", name=op.f("pk_shadow_cluster")),
    )
    op.create_table(
        "shadow_divergence",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("stoppage", sa.BigInteger(), nullable=False),
        sa.Column("nir", sa.String(length=13), nullable=False),
        sa.Column("kinds", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=24), nullable=False),
        sa.Column("control_cents", sa.BigInteger(), nullable=False),
        sa.Column("candidate_cents", sa.BigInteger(), nullable=False),
        sa.Column("referee_cents", sa.BigInteger(), nullable=True),
        sa.Column("at_stake_cents", sa.BigInteger(), nullable=False),
        sa.Column("under_cents", sa.BigInteger(), nullable=False),
        sa.Column("over_cents", sa.BigInteger(), nullable=False),
        sa.Column("streams", sa.String(length=8), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("cluster", sa.String(length=8), nullable=False),
        sa.Column("waiver", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["shadow_run.id"], name=op.f("fk_shadow_divergence_run_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "number", name=op.f("pk_shadow_divergence")),
    )
    with op.batch_alter_table("shadow_divergence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shadow_divergence_cluster"), ["cluster"], unique=False)

    op.create_table(
        "shadow_unsupported",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("scheme", sa.String(length=2), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["shadow_run.id"], name=op.f("fk_shadow_unsupported_run_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "number", "scheme", "engine", name=op.f("pk_shadow_unsupported")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("shadow_unsupported")
    with op.batch_alter_table("shadow_divergence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadow_divergence_cluster"))

    op.drop_table("shadow_divergence")
    op.drop_table("shadow_cluster")
    with op.batch_alter_table("shadow_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadow_run_family"))

    op.drop_table("shadow_run")
