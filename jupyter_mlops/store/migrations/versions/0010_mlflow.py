"""mlflow compatibility: experiment lifecycle (delete/restore) and experiment tags

Revision ID: 0010_mlflow
Revises: 0009_dataset_references
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_mlflow"
down_revision = "0009_dataset_references"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lifecycle", sa.String(length=16), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("deleted_at", sa.Float(), nullable=True))
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name=op.f("fk_experiment_tags_experiment_id_experiments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("experiment_id", "key", name=op.f("pk_experiment_tags")),
    )


def downgrade() -> None:
    op.drop_table("experiment_tags")
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("lifecycle")
