"""prediction ids as ranges; batch windows that point at their input snapshot's rows

One row per prediction id (inference_predictions) cost a B-tree insert per
scored row: 1M batch-scored rows took longer to log than to score. Ids are a
per-process prefix and a counter, so a window's ids are a few ranges
(inference_id_ranges). Labels keep their id and their window; they no longer
reference a per-id row.

The downgrade expands the ranges back into ids but cannot give batch windows
(``rows_snapshot``) their input columns back: after it their rows hold only
the prediction, id and timestamp (their profiles keep the inputs' drift).

Revision ID: 0015_prediction_ranges
Revises: 0014_batch_metrics
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0015_prediction_ranges"
down_revision = "0014_batch_metrics"
branch_labels = None
depends_on = None

_DIGITS = 12
_RANGES = sa.table(
    "inference_id_ranges",
    sa.column("prefix"),
    sa.column("start"),
    sa.column("stop"),
    sa.column("window_id"),
)
_IDS = sa.table("inference_predictions", sa.column("prediction_id"), sa.column("window_id"))
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_HEX = frozenset("0123456789abcdef")


def _parse(prediction_id: str) -> tuple[str, int]:
    tail = prediction_id[-_DIGITS:]
    if len(prediction_id) > _DIGITS and _HEX.issuperset(tail):
        return prediction_id[:-_DIGITS], int(tail, 16)
    return prediction_id, -1


def _ranges(rows) -> list[dict]:
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for prediction_id, window_id in rows:
        prefix, counter = _parse(prediction_id)
        by_key[(window_id, prefix)].append(counter)
    out = []
    for (window_id, prefix), counters in by_key.items():
        counters.sort()
        start = prev = counters[0]
        for c in [*counters[1:], None]:
            if c is None or c != prev + 1 or prev == -1:
                out.append({"prefix": prefix, "start": start, "stop": prev + 1,
                            "window_id": window_id})  # fmt: skip
                start = c
            prev = c if c is not None else prev
    return out


def upgrade() -> None:
    op.create_table(
        "inference_id_ranges",
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stop", sa.BigInteger(), nullable=False),
        sa.Column("window_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["inference_windows.id"],
            name=op.f("fk_inference_id_ranges_window_id_inference_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prefix", "start", name=op.f("pk_inference_id_ranges")),
    )
    op.create_index("ix_inference_id_ranges_window", "inference_id_ranges", ["window_id"])
    bind = op.get_bind()
    rows = bind.execute(sa.select(_IDS.c.prediction_id, _IDS.c.window_id)).all()
    if rows:
        bind.execute(sa.insert(_RANGES), _ranges(rows))
    with op.batch_alter_table("inference_labels", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_inference_labels_prediction_id_inference_predictions", type_="foreignkey"
        )
    op.drop_index("ix_inference_predictions_window", table_name="inference_predictions")
    op.drop_table("inference_predictions")
    with op.batch_alter_table("inference_windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rows_snapshot", BigId, nullable=True))
        batch_op.add_column(sa.Column("rows_offset", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            "fk_inference_windows_rows_snapshot_snapshots",
            "snapshots",
            ["rows_snapshot"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    bind = op.get_bind()
    c = _RANGES.c
    rows = bind.execute(sa.select(c.prefix, c.start, c.stop, c.window_id)).all()
    with op.batch_alter_table("inference_windows", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inference_windows_rows_snapshot_snapshots", type_="foreignkey")
        batch_op.drop_column("rows_offset")
        batch_op.drop_column("rows_snapshot")
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
    ids = [
        {"prediction_id": prefix if c == -1 else f"{prefix}{c:0{_DIGITS}x}", "window_id": w}
        for prefix, start, stop, w in rows
        for c in range(start, stop)
    ]
    if ids:
        bind.execute(sa.insert(_IDS), ids)
    with op.batch_alter_table("inference_labels", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_inference_labels_prediction_id_inference_predictions",
            "inference_predictions",
            ["prediction_id"],
            ["prediction_id"],
            ondelete="CASCADE",
        )
    op.drop_index("ix_inference_id_ranges_window", table_name="inference_id_ranges")
    op.drop_table("inference_id_ranges")
