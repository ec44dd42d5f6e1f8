"""model registry: models, versions, aliases

Revision ID: 0004_registry
Revises: 0003_data
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_registry"
down_revision = "0003_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
