"""pipelines and their run cache

Revision ID: 0005_pipeline
Revises: 0004_registry
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_pipeline"
down_revision = "0004_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
