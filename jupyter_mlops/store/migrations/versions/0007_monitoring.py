"""monitoring: the inference log (windows of served or batch-scored rows) and late labels

Revision ID: 0007_monitoring
Revises: 0006_run_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_monitoring"
down_revision = "0006_run_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inference_windows",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=False),
        sa.Column("n_rows", sa.BigInteger(), nullable=False),
        sa.Column("n_dropped", sa.BigInteger(), nullable=False),
        sa.Column("sample_rate", sa.Float(), nullable=False),
        sa.Column("data_digest", sa.String(length=64), nullable=False),
        sa.Column("profile_digest", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model"],
            ["registered_models.name"],
            name=op.f("fk_inference_windows_model_registered_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inference_windows")),
    )
    op.create_index(
        "ix_inference_windows_model_closed", "inference_windows", ["model", "closed_at"]
    )
    op.create_table(
        "inference_predictions",
        sa.Column("prediction_id", sa.String(length=32), nullable=False),
        sa.Column("window_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["inference_windows.id"],
            name=op.f("fk_inference_predictions_window_id_inference_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prediction_id", name=op.f("pk_inference_predictions")),
    )
    op.create_index("ix_inference_predictions_window", "inference_predictions", ["window_id"])
    op.create_table(
        "inference_labels",
        sa.Column("prediction_id", sa.String(length=32), nullable=False),
        sa.Column("window_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["prediction_id"],
            ["inference_predictions.prediction_id"],
            name=op.f("fk_inference_labels_prediction_id_inference_predictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["inference_windows.id"],
            name=op.f("fk_inference_labels_window_id_inference_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prediction_id", name=op.f("pk_inference_labels")),
    )
    op.create_index("ix_inference_labels_window", "inference_labels", ["window_id"])


def downgrade() -> None:
    op.drop_index("ix_inference_labels_window", table_name="inference_labels")
    op.drop_table("inference_labels")
    op.drop_index("ix_inference_predictions_window", table_name="inference_predictions")
    op.drop_table("inference_predictions")
    op.drop_index("ix_inference_windows_model_closed", table_name="inference_windows")
    op.drop_table("inference_windows")
