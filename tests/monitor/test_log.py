"""The inference log without HTTP: windows close by rows and by time, nothing is lost unseen."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, StoreError
from jupyter_mlops.monitor import InferenceLog, LogOptions
from jupyter_mlops.store import monitoring as monitor_store
from tests.conftest import wait_for


def make_log(clock, **options) -> InferenceLog:
    log = InferenceLog("reg", clock=clock, tick=0.01, **options)
    log.describe(1, ["x0", "x1"], {"x0": "double", "x1": "double"})
    return log


def send(log: InferenceLog, n: int, *, start: float = 0.0) -> list[str]:
    ids = log.ids.take(n)
    x0 = [start + i for i in range(n)]
    log.record({"x0": x0, "x1": [1.0] * n}, [v + 2.0 for v in x0], ids, 1, "production")
    return ids


def windows() -> list:
    return mlops.list_windows("reg")


def test_a_window_closes_at_window_rows_and_holds_every_row_once(regressor, clock):
    log = make_log(clock, window_rows=10)
    sent = []
    for start in range(0, 25, 5):  # 25 rows: windows of 10, 10; 5 stay open
        sent += send(log, 5, start=float(start))
    wait_for(lambda: len(windows()) == 2, what="two full windows")
    assert [w.n_rows for w in windows()] == [10, 10]
    assert log.counts()["pending"] == 5
    log.close()
    ws = windows()
    assert [w.n_rows for w in ws] == [10, 10, 5]  # closing writes the open window
    frames = [mlops.load_window(w.id) for w in ws]
    logged = [i for f in frames for i in f["prediction_id"]]
    assert logged == sent and len(set(logged)) == 25
    first = frames[0]
    assert list(first.columns) == ["x0", "x1", "prediction", "prediction_id", "timestamp"]
    assert first["prediction"].tolist() == [x + 2.0 for x in first["x0"]]
    w = ws[0]
    assert (w.model, w.version, w.alias, w.source, w.sample_rate) == ("reg", 1, "production",
                                                                      "serve", 1.0)  # fmt: skip
    assert w.columns == ("x0", "x1", "prediction")
    profile = mlops.window_profile(w.id)
    assert profile.n_rows == 10 and set(profile.columns) == {"x0", "x1", "prediction"}
    assert log.counts()["written"] == 25 and log.counts()["windows"] == 3


def test_a_window_closes_after_window_seconds_driven_by_the_clock(regressor, clock):
    log = make_log(clock, window_rows=1000, window_seconds=60)
    send(log, 3)
    wait_for(lambda: log.counts()["queued"] == 0, what="rows taken into the open window")
    clock.advance(59)
    wait_for(lambda: log.counts()["pending"] == 3, what="the writer looking at the clock")
    assert windows() == []  # not yet a minute
    clock.advance(1)
    wait_for(lambda: len(windows()) == 1, what="the window closed by time")
    (w,) = windows()
    assert w.n_rows == 3 and w.closed_at - w.opened_at == pytest.approx(60)
    log.close()


def test_a_window_with_zero_rows_is_never_written(regressor, clock):
    log = make_log(clock, window_rows=5, window_seconds=1)
    clock.advance(3600)
    assert log.flush(timeout=10)
    log.close()
    assert windows() == []
    assert log.counts()["windows"] == 0


def test_rows_that_do_not_fit_in_the_queue_are_counted_and_reported(regressor, clock, monkeypatch):
    import threading

    gate = threading.Event()
    real = monitor_store.write_window

    def slow_store(*args, **kwargs):
        gate.wait(30)  # the store hangs, as SQLite does behind another writer's lock
        return real(*args, **kwargs)

    monkeypatch.setattr(monitor_store, "write_window", slow_store)
    log = make_log(clock, window_rows=2, queue_rows=4)
    send(log, 2)  # fills a window; its write hangs
    wait_for(lambda: log.counts()["queued"] == 0, what="the window being written")
    for _ in range(3):
        send(log, 2)  # 4 fit in the queue, the last 2 do not
    assert log.counts()["dropped"] == 2 and log.counts()["accepted"] == 6
    gate.set()
    log.close()
    ws = windows()
    assert sum(w.n_rows for w in ws) == 6
    assert sum(w.n_dropped for w in ws) == 2  # the next window written reports them


def test_a_window_the_store_refuses_is_counted_as_dropped(regressor, clock, monkeypatch):
    real, down = monitor_store.write_window, [True]

    def broken(*args, **kwargs):
        if down[0]:
            raise StoreError("the store is down")
        return real(*args, **kwargs)

    monkeypatch.setattr(monitor_store, "write_window", broken)
    log = make_log(clock, window_rows=3)
    send(log, 3)
    wait_for(lambda: log.counts()["write_errors"] == 1, what="the failed write")
    counts = log.counts()
    assert counts["dropped"] == 3 and counts["written"] == 0 and "down" in counts["last_error"]
    down[0] = False
    send(log, 3)
    log.close()
    (w,) = windows()
    assert w.n_rows == 3 and w.n_dropped == 3


def test_sampling_keeps_about_the_fraction_and_counts_the_rest(regressor, clock):
    log = make_log(clock, sample=0.25, window_rows=100_000)
    for _ in range(40):
        send(log, 100)
    log.close()
    counts = log.counts()
    assert counts["accepted"] + counts["sampled_out"] == 4000
    assert 800 < counts["accepted"] < 1200
    (w,) = windows()
    assert w.n_rows == counts["accepted"] and w.sample_rate == 0.25


def test_a_version_change_closes_the_window(regressor, clock):
    log = make_log(clock, window_rows=100)
    log.describe(2, ["x0", "x1"], {"x0": "double", "x1": "double"})
    send(log, 2)
    ids = log.ids.take(1)
    log.record({"x0": [1.0], "x1": [2.0]}, [5.0], ids, 2, "production")
    log.close()
    assert [(w.version, w.n_rows) for w in windows()] == [(1, 2), (2, 1)]


@pytest.mark.parametrize(
    ("option", "value"),
    [("sample", 0), ("sample", 1.5), ("window_rows", 0), ("window_seconds", -1),
     ("queue_rows", True)],
)  # fmt: skip
def test_bad_options_name_the_argument(regressor, option, value):
    with pytest.raises(InvalidArgument, match=option):
        InferenceLog("reg", **{option: value})


def test_ids_are_unique_and_sortable_within_a_process(regressor):
    log = InferenceLog("reg", **vars(LogOptions()))
    a, b = log.ids.take(3), log.ids.take(2)
    log.close()
    assert a + b == sorted(a + b) and len(set(a + b)) == 5 and len(a[0]) <= 32
