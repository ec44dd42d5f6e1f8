"""Metric points stored as packed chunks: histories, pages, steps, deletion, migration 0014."""

from __future__ import annotations

import math

import pytest
from alembic import command
from sqlalchemy import func, select, text

import jupyter_mlops as mlops
from jupyter_mlops.store import metrics as metric_store
from jupyter_mlops.store.schema import MetricChunk
from jupyter_mlops.tracking import remote
from jupyter_mlops.tracking import run as run_mod

INF = float("inf")
# (key, value, step, timestamp), logged in this order over several writes: steps out
# of order, equal steps at other times, equal steps at equal times (logging order
# decides), NaN, infinities, the largest step.
WRITES = [
    [("loss", 3.0, 2, 10.0), ("acc", 0.1, 0, 10.0), ("loss", 2.0, 5, 11.0)],
    [("loss", float("nan"), 1, 12.0), ("loss", 7.0, 5, 9.0), ("acc", INF, 1, 12.0)],
    [("loss", 8.0, 5, 11.0), ("acc", -INF, 2**63 - 1, 13.0), ("loss", -0.0, 0, 14.0)],
    [("loss", 9.0, 5, 11.0), ("acc", 0.5, 3, 15.0)],
]


def _log(run) -> None:
    for write in WRITES:
        for key, value, step, ts in write:
            run.log_metric(key, value, step=step, timestamp=ts)
        run.flush()


def _expected(key: str) -> list[tuple[int, float, float]]:
    points = [(st, ts, v) for w in WRITES for k, v, st, ts in w if k == key]
    return sorted(points, key=lambda p: (p[0], p[1]))  # stable: ties keep logging order


def _same(got, want) -> bool:
    return len(got) == len(want) and all(
        g[:2] == w[:2] and (math.isnan(g[2]) if math.isnan(w[2]) else g[2] == w[2])
        for g, w in zip(got, want)
    )


def _history(store, run_id: str, key: str) -> list[tuple[int, float, float]]:
    return [(p.step, p.timestamp, p.value) for p in metric_store.metric_history(store, run_id, key)]


def test_history_pages_steps_and_latest_keep_every_point_in_order(any_store):
    run = mlops.start_run("chunks")
    _log(run)
    run.end()
    for key in ("loss", "acc"):
        assert _same(_history(any_store, run.id, key), _expected(key)), key
        page = remote.metric_history(run.id, key, limit=2, offset=1)
        assert _same([(p.step, p.timestamp, p.value) for p in page], _expected(key)[1:3])
    assert metric_store.last_steps(any_store, run.id) == {"loss": 5, "acc": 2**63 - 1}
    latest = mlops.get_run(run.id).metrics
    assert latest == {"loss": 9.0, "acc": -INF}  # step 5 at the latest time, last logged
    assert metric_store.count_points(any_store, run.id) == sum(map(len, WRITES))
    frame = mlops.get_metric_history(run.id, "loss")
    assert frame["step"].tolist() == [p[0] for p in _expected("loss")]


def test_a_batch_is_one_row_per_key_however_many_points(any_store, monkeypatch):
    monkeypatch.setattr(run_mod, "BATCH_SIZE", 10**9)
    monkeypatch.setenv("MLOPS_FLUSH_INTERVAL", "3600")
    with mlops.start_run("batch") as run:
        for step in range(300):
            run.log_metrics({f"m{k}": float(k * step) for k in range(20)}, step=step)
    with any_store.db.session() as s:
        rows = s.execute(
            select(MetricChunk.key, MetricChunk.n).where(MetricChunk.run_id == run.id)
        ).all()
    assert sorted(rows) == sorted((f"m{k}", 300) for k in range(20))
    assert [p.value for p in metric_store.metric_history(any_store, run.id, "m3")] == [
        3.0 * s for s in range(300)
    ]
    page = remote.metric_history(run.id, "m3", limit=5, offset=100)
    assert [(p.step, p.value) for p in page] == [(s, 3.0 * s) for s in range(100, 105)]


def test_points_of_several_runs_in_one_write_go_to_their_runs(any_store):
    a, b = mlops.start_run("a"), mlops.start_run("b")
    rows = [(a.id, "m", 0, 1.0, 1.0), (b.id, "m", 0, 1.0, 2.0), (a.id, "m", 1, 2.0, 3.0)]
    metric_store.insert_metrics(any_store, rows)
    assert _history(any_store, a.id, "m") == [(0, 1.0, 1.0), (1, 2.0, 3.0)]
    assert _history(any_store, b.id, "m") == [(0, 1.0, 2.0)]
    a.end()
    b.end()


def test_a_purged_run_takes_its_points_with_it(any_store):
    with mlops.start_run("gone") as gone:
        gone.log_metrics({"m": 1.0, "n": 2.0})
    with mlops.start_run("kept") as kept:
        kept.log_metric("m", 1.0)
    mlops.delete_run(gone.id)
    mlops.collect_garbage()
    assert metric_store.count_points(any_store, gone.id) == 0
    assert metric_store.count_points(any_store) == 1


def _migrate(store, to: str, down: bool = False) -> None:
    with store.db.engine.begin() as conn:
        (command.downgrade if down else command.upgrade)(store.db._alembic_config(conn), to)


def test_migration_0014_converts_points_down_and_up(any_store):
    run = mlops.start_run("migrated")
    _log(run)
    run.end()
    other = mlops.start_run("other")
    other.log_metrics({"x": 1.0, "y": float("nan")}, step=3)
    other.end()
    any_store.db.dispose()
    _migrate(any_store, "0013_monitor_retrain", down=True)
    with any_store.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT step, timestamp, value, is_nan FROM metrics"
                " WHERE run_id = :r AND key = 'loss' ORDER BY step, timestamp, id"
            ),
            {"r": run.id},
        ).all()
        total = conn.execute(text("SELECT count(*) FROM metrics")).scalar()
    assert total == sum(map(len, WRITES)) + 2
    as_points = [(st, ts, float("nan") if nan else v) for st, ts, v, nan in rows]
    assert _same(as_points, _expected("loss"))

    _migrate(any_store, "0014_batch_metrics")
    for key in ("loss", "acc"):
        assert _same(_history(any_store, run.id, key), _expected(key)), key
    assert math.isnan(metric_store.metric_history(any_store, other.id, "y")[0].value)
    with any_store.db.session() as s:
        chunks = s.execute(select(func.count()).select_from(MetricChunk)).scalar()
    assert chunks == 4  # one per run and key
    assert metric_store.count_points(any_store) == total
    _migrate(any_store, "head")


def test_migration_0014_of_an_empty_store(any_store):
    any_store.db.dispose()
    _migrate(any_store, "0013_monitor_retrain", down=True)
    _migrate(any_store, "head")
    assert metric_store.count_points(any_store) == 0


@pytest.mark.parametrize("bad", [2**63, -(2**63) - 1])
def test_a_step_beyond_int64_is_refused_before_anything_is_written(store, bad):
    from jupyter_mlops.store import metric_batches

    with mlops.start_run("bad") as run:
        rows = [(run.id, "m", 0, 1.0, 1.0), (run.id, "m", bad, 1.0, 2.0)]
        rejected = metric_batches.insert_isolating(store, rows)
    assert [r[2] for r, _ in rejected] == [bad]
    assert _history(store, run.id, "m") == [(0, 1.0, 1.0)]
