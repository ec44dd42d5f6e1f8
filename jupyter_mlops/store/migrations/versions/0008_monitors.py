"""monitors: declared monitors, their checks and alerts

Revision ID: 0008_monitors
Revises: 0007_monitoring
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_monitors"
down_revision = "0007_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("drift", sa.JSON(), nullable=False),
        sa.Column("performance", sa.JSON(), nullable=False),
        sa.Column("on_alert", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("last_closed_at", sa.Float(), nullable=True),
        sa.Column("last_checked_at", sa.Float(), nullable=True),
        sa.Column("baseline_window", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_monitors")),
    )
    op.create_table(
        "monitor_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("monitor", sa.String(length=200), nullable=False),
        sa.Column("window_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.Float(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=False),
        sa.Column("n_rows", sa.BigInteger(), nullable=False),
        sa.Column("n_labels", sa.BigInteger(), nullable=False),
        sa.Column("drift_share", sa.Float(), nullable=True),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("statistics", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor"],
            ["monitors.name"],
            name=op.f("fk_monitor_checks_monitor_monitors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["inference_windows.id"],
            name=op.f("fk_monitor_checks_window_id_inference_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_checks")),
    )
    op.create_index("ix_monitor_checks_monitor_closed", "monitor_checks", ["monitor", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_monitor_checks_monitor_closed", table_name="monitor_checks")
    op.drop_table("monitor_checks")
    op.drop_table("monitors")
