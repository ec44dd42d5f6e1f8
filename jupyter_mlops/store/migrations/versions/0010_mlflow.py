"""mlflow compatibility: what MLflow's API needs beyond the core tables

Revision ID: 0010_mlflow
Revises: 0009_dataset_references
"""

revision = "0010_mlflow"
down_revision = "0009_dataset_references"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the feature that owns this revision (nothing to do until then)."""


def downgrade() -> None:
    pass
