"""notebook capture: executed cells of runs

Revision ID: 0002_capture
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_capture"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_cells",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("execution_count", sa.Integer(), nullable=True),
        sa.Column("cell_id", sa.String(length=128), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_cells_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_cells")),
    )
    with op.batch_alter_table("run_cells", schema=None) as batch_op:
        batch_op.create_index("ix_run_cells_run_seq", ["run_id", "seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("run_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_run_cells_run_seq")
    op.drop_table("run_cells")
