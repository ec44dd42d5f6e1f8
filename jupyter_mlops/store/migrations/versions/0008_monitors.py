"""monitors: declared monitors, their checks and alerts

Revision ID: 0008_monitors
Revises: 0007_monitoring
"""

revision = "0008_monitors"
down_revision = "0007_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the feature that owns this revision (nothing to do until then)."""


def downgrade() -> None:
    pass
