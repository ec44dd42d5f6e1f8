"""monitor retraining terms: the evaluation snapshot, target and gates of on_alert='retrain:...'

Revision ID: 0013_monitor_retrain
Revises: 0012_evaluations
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_monitor_retrain"
down_revision = "0012_evaluations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retrain", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_column("retrain")
