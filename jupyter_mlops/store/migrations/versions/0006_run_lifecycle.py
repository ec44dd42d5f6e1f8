"""run lifecycle: soft-deleted runs (restorable until gc)

Revision ID: 0006_run_lifecycle
Revises: 0005_pipeline
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_run_lifecycle"
down_revision = "0005_pipeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lifecycle", sa.String(length=16), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("deleted_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("lifecycle")
