"""calibration kept with a shadow run: the noise and detection power a dry run measured

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("shadow_run") as batch:
        batch.add_column(sa.Column("calibration", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("shadow_run") as batch:
        batch.drop_column("calibration")
