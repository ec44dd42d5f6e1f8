"""monitoring: the inference log (windows of served or batch-scored rows) and late labels

Revision ID: 0007_monitoring
Revises: 0006_run_lifecycle
"""

revision = "0007_monitoring"
down_revision = "0006_run_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the feature that owns this revision (nothing to do until then)."""


def downgrade() -> None:
    pass
