"""mlflow registry compatibility

Revision ID: 0011_mlflow_registry
Revises: 0010_mlflow
"""

revision = "0011_mlflow_registry"
down_revision = "0010_mlflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the feature that owns this revision (nothing to do until then)."""


def downgrade() -> None:
    pass
