"""metric points as packed chunks: one row per run, key and write instead of one per point

Revision ID: 0014_batch_metrics
Revises: 0013_monitor_retrain

Upgrade packs each run's points per key (in insertion order, ``id``) into
chunks of at most ``CHUNK`` points; downgrade unpacks them into one row per
point again, in chunk then logging order, so ``ORDER BY step, timestamp, id``
gives the same history either way.
"""

import sys
from array import array

import sqlalchemy as sa
from alembic import op

revision = "0014_batch_metrics"
down_revision = "0013_monitor_retrain"
branch_labels = None
depends_on = None

CHUNK = 50_000
_SWAP = sys.byteorder != "little"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _packed(kind: str, items) -> bytes:
    a = array(kind, items)
    if _SWAP:
        a.byteswap()
    return a.tobytes()


def _unpacked(kind: str, data: bytes) -> array:
    a = array(kind)
    a.frombytes(data)
    if _SWAP:
        a.byteswap()
    return a


def _run_ids(conn, table: str) -> list[str]:
    return list(conn.execute(sa.text(f"SELECT DISTINCT run_id FROM {table}")).scalars())


def upgrade() -> None:
    chunks = op.create_table(
        "metric_chunks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("min_step", sa.BigInteger(), nullable=False),
        sa.Column("max_step", sa.BigInteger(), nullable=False),
        sa.Column("step_data", sa.LargeBinary(), nullable=False),
        sa.Column("time_data", sa.LargeBinary(), nullable=False),
        sa.Column("value_data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_metric_chunks_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_chunks")),
    )
    with op.batch_alter_table("metric_chunks", schema=None) as batch_op:
        batch_op.create_index("ix_metric_chunks_run_key", ["run_id", "key"], unique=False)
    conn = op.get_bind()
    for run_id in _run_ids(conn, "metrics"):
        conn.execute(chunks.insert(), _chunks_of(conn, run_id))
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_run_key_step")
    op.drop_table("metrics")


def _chunks_of(conn, run_id: str) -> list[dict]:
    """The run's points per key, in insertion order, as chunks of at most ``CHUNK``."""
    points = sa.text(
        "SELECT key, step, timestamp, value, is_nan FROM metrics WHERE run_id = :run"
        " ORDER BY key, id"
    )
    rows: list[dict] = []
    key, steps, times, values = None, [], [], []
    for k, step, ts, value, is_nan in conn.execute(points, {"run": run_id}):
        if k != key or len(steps) >= CHUNK:
            if steps:
                rows.append(_chunk(run_id, key, steps, times, values))
            key, steps, times, values = k, [], [], []
        steps.append(step)
        times.append(ts)
        values.append(float("nan") if is_nan else value)
    if steps:
        rows.append(_chunk(run_id, key, steps, times, values))
    return rows


def _chunk(run_id: str, key: str, steps: list, times: list, values: list) -> dict:
    return {
        "run_id": run_id,
        "key": key,
        "n": len(steps),
        "min_step": min(steps),
        "max_step": max(steps),
        "step_data": _packed("q", steps),
        "time_data": _packed("d", times),
        "value_data": _packed("d", values),
    }


def downgrade() -> None:
    metrics = op.create_table(
        "metrics",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("is_nan", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_metrics_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metrics")),
    )
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.create_index("ix_metrics_run_key_step", ["run_id", "key", "step"], unique=False)
    conn = op.get_bind()
    chunks = sa.text(
        "SELECT key, step_data, time_data, value_data FROM metric_chunks WHERE run_id = :run"
        " ORDER BY id"
    )
    for run_id in _run_ids(conn, "metric_chunks"):
        rows = []
        for key, step_data, time_data, value_data in conn.execute(chunks, {"run": run_id}):
            for step, ts, value in zip(
                _unpacked("q", step_data), _unpacked("d", time_data), _unpacked("d", value_data)
            ):
                nan = value != value
                rows.append(
                    {
                        "run_id": run_id,
                        "key": key,
                        "step": step,
                        "timestamp": ts,
                        "value": 0.0 if nan else value,
                        "is_nan": nan,
                    }
                )
        conn.execute(metrics.insert(), rows)
    with op.batch_alter_table("metric_chunks", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_chunks_run_key")
    op.drop_table("metric_chunks")
