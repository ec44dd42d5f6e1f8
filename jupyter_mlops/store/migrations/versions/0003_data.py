"""data snapshots and run inputs

Revision ID: 0003_data
Revises: 0002_capture
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_data"
down_revision = "0002_capture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
