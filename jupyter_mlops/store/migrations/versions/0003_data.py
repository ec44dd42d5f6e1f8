"""data snapshots and run inputs

Revision ID: 0003_data
Revises: 0002_capture
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_data"
down_revision = "0002_capture"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("data_digest", sa.String(64), nullable=False),
        sa.Column("data_size", sa.BigInteger(), nullable=False),
        sa.Column("profile_digest", sa.String(64), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("n_rows", sa.BigInteger(), nullable=False),
        sa.Column("n_columns", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("expectations", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sa.UniqueConstraint("name", "version", name="uq_snapshots_name_version"),
    )
    op.create_index("ix_snapshots_fingerprint", "snapshots", ["fingerprint"])
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("snapshot_id", BigId, nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name="fk_run_inputs_run_id_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name="fk_run_inputs_snapshot_id_snapshots",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "snapshot_id", name="pk_run_inputs"),
    )
    op.create_index("ix_run_inputs_snapshot", "run_inputs", ["snapshot_id"])


def downgrade() -> None:
    op.drop_index("ix_run_inputs_snapshot", table_name="run_inputs")
    op.drop_table("run_inputs")
    op.drop_index("ix_snapshots_fingerprint", table_name="snapshots")
    op.drop_table("snapshots")
