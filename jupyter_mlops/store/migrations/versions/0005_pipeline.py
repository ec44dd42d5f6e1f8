"""pipelines and their run cache

Revision ID: 0005_pipeline
Revises: 0004_registry
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_pipeline"
down_revision = "0004_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("notebook_digest", sa.String(length=64), nullable=False),
        sa.Column("origin_run_id", sa.String(length=32), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["origin_run_id"],
            ["runs.run_id"],
            name=op.f("fk_pipelines_origin_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pipelines")),
    )
    op.create_table(
        "pipeline_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_pipeline_cache_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pipeline_cache")),
    )
    with op.batch_alter_table("pipeline_cache", schema=None) as batch_op:
        batch_op.create_index("ix_pipeline_cache_pipeline", ["pipeline"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pipeline_cache", schema=None) as batch_op:
        batch_op.drop_index("ix_pipeline_cache_pipeline")
    op.drop_table("pipeline_cache")
    op.drop_table("pipelines")
