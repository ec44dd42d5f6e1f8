"""dataset references: snapshots kept by reference to their files

Revision ID: 0009_dataset_references
Revises: 0008_monitors
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_dataset_references"
down_revision = "0008_monitors"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("storage", sa.String(length=16), nullable=False, server_default="copy")
        )
        batch_op.add_column(sa.Column("source", sa.JSON(), nullable=True))
    op.create_table(
        "snapshot_files",
        sa.Column("snapshot_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(256), nullable=True),
        sa.Column("mtime", sa.Float(), nullable=True),
        sa.Column("n_rows", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name="fk_snapshot_files_snapshot_id_snapshots",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "position", name="pk_snapshot_files"),
    )


def downgrade() -> None:
    op.drop_table("snapshot_files")
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("storage")
