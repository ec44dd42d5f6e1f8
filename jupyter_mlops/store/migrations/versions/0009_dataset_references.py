"""dataset references: snapshots kept by reference to their files

Revision ID: 0009_dataset_references
Revises: 0008_monitors
"""

revision = "0009_dataset_references"
down_revision = "0008_monitors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the feature that owns this revision (nothing to do until then)."""


def downgrade() -> None:
    pass
