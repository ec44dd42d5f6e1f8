"""evaluations: a model scored on a stored snapshot (metrics, slices, intervals)

Revision ID: 0012_evaluations
Revises: 0011_mlflow_registry
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_evaluations"
down_revision = "0011_mlflow_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model_key", sa.String(length=250), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("params_digest", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("n_rows", sa.BigInteger(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("predictions_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["model"],
            ["registered_models.name"],
            name=op.f("fk_evaluations_model_registered_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_evaluations_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("model_key", "snapshot_id", "params_digest", name="uq_evaluations_key"),
    )
    op.create_index("ix_evaluations_model", "evaluations", ["model", "version"])
    op.create_index("ix_evaluations_snapshot", "evaluations", ["snapshot_id"])


def downgrade() -> None:
    op.drop_index("ix_evaluations_snapshot", table_name="evaluations")
    op.drop_index("ix_evaluations_model", table_name="evaluations")
    op.drop_table("evaluations")
