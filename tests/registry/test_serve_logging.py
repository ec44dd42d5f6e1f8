"""The inference log of a serving model over real HTTP on loopback.

Every request logged exactly once; ids returned and joinable with labels;
windows by rows and by time; a store that hangs or fails leaves predictions
answered and the dropped rows counted; SIGKILL loses only the open window.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.monitor import LogOptions, UnknownPredictions
from jupyter_mlops.registry.serve import start_background
from jupyter_mlops.store import monitoring as monitor_store
from tests.conftest import _free_port, wait_for
from tests.monitor.conftest import Clock


class Client:
    """One keep-alive connection; ``call`` gives status, JSON body and headers."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body=None, headers=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(
            method, path, data, {"Content-Type": "application/json", **(headers or {})}
        )
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read()), resp.headers


@pytest.fixture
def cancer_model(store, train):
    train("cancer", accuracy=0.9)
    mlops.set_alias("cancer", "production", 1)


def serving(**options):
    return start_background("cancer@production", log=LogOptions(**options))


def logged_ids() -> list[str]:
    return [
        i for w in mlops.list_windows("cancer") for i in mlops.load_window(w.id)["prediction_id"]
    ]


def test_every_request_is_logged_exactly_once_with_its_ids(cancer_model, cancer, fitted):
    X, _ = cancer
    server = serving(window_rows=7, window_seconds=3600)
    client = Client(server.port)
    returned = []
    for i in range(20):
        rows = X.iloc[i : i + 1 + i % 3]
        status, body, headers = client.call("POST", "/predict", rows.to_dict(orient="records"))
        assert status == 200 and len(body["ids"]) == len(rows)
        assert headers["X-Prediction-Ids"] == ",".join(body["ids"])
        returned += body["ids"]
    _, meta, _ = client.call("GET", "/metadata")
    assert meta["log"]["enabled"] and meta["log"]["accepted"] == len(returned) == 39
    server.stop()  # writes the open window
    assert sorted(logged_ids()) == sorted(returned)  # each once
    windows = mlops.list_windows("cancer@production")
    assert [w.n_rows for w in windows] == [7, 7, 7, 7, 7, 4]
    assert all(w.n_dropped == 0 and w.alias == "production" for w in windows)
    frame = mlops.load_window(windows[0].id)
    assert frame["prediction"].tolist() == fitted.predict(frame[list(X.columns)]).tolist()


def test_a_window_closes_by_time_on_the_servers_clock(cancer_model, cancer):
    X, _ = cancer
    clock = Clock()
    server = serving(window_rows=10_000, window_seconds=60, clock=clock)
    client = Client(server.port)
    for i in range(3):
        assert client.call("POST", "/predict", X.iloc[[i]].to_dict(orient="records"))[0] == 200
    wait_for(lambda: client.call("GET", "/metadata")[1]["log"]["queued"] == 0, what="rows taken")
    assert mlops.list_windows("cancer") == []
    clock.advance(60)
    wait_for(lambda: mlops.list_windows("cancer"), what="the window closed by time")
    assert [w.n_rows for w in mlops.list_windows("cancer")] == [3]
    _, meta, _ = client.call("GET", "/metadata")
    assert meta["log"]["windows"] == 1 and meta["log"]["written"] == 3
    server.stop()


def test_labels_posted_to_the_server_join_the_returned_ids(cancer_model, cancer):
    X, _ = cancer
    server = serving(window_rows=4)
    client = Client(server.port)
    _, body, _ = client.call("POST", "/predict", X.head(4).to_dict(orient="records"))
    ids = body["ids"]
    wait_for(lambda: mlops.list_windows("cancer"), what="the window")
    status, out, _ = client.call("POST", "/labels", {"ids": ids[:3], "labels": [1, 0, 1]})
    assert status == 200 and out == {"model": "cancer", "added": 3, "replaced": 0, "skipped": 0}
    status, out, _ = client.call("POST", "/labels", {"ids": [ids[3], "0" * 31], "labels": [1, 1]})
    assert status == 400 and out["unknown"] == 1
    status, out, _ = client.call("POST", "/labels", {"ids": ids[:1], "labels": [0]})
    assert status == 409 and "replace" in out["error"]
    status, out, _ = client.call("POST", "/labels", {"ids": ids[3:], "labels": ["benign"]})
    assert status == 400 and "labels" in out["error"]
    status, out, _ = client.call(
        "POST", "/labels", {"ids": ids[:1], "labels": [0], "replace": True}
    )
    assert status == 200 and out["replaced"] == 1
    assert client.call("POST", "/labels", [1, 2])[0] == 400
    frame = mlops.load_window(mlops.list_windows("cancer")[0].id, labels=True)
    assert frame["label"].tolist() == [0, 0, 1, None]
    server.stop()


def test_labels_need_the_token_like_every_route(cancer_model, cancer):
    server = start_background("cancer@production", token="s3cret")
    client = Client(server.port)
    status, _, _ = client.call("POST", "/labels", {"ids": ["x"], "labels": [1]})
    assert status == 401
    status, out, _ = Client(server.port).call(
        "POST", "/labels", {"ids": ["x" * 31], "labels": [1]}, {"Authorization": "Bearer s3cret"}
    )
    assert status == 400 and out["unknown"] == 1
    server.stop()


def test_no_log_logs_nothing_but_still_returns_ids(cancer_model, cancer):
    X, _ = cancer
    server = start_background("cancer@production", log=False)
    client = Client(server.port)
    _, body, _ = client.call("POST", "/predict", X.head(2).to_dict(orient="records"))
    assert len(body["ids"]) == 2
    assert client.call("GET", "/metadata")[1]["log"] == {"enabled": False}
    server.stop()
    assert mlops.list_windows("cancer") == []


LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def test_a_locked_store_leaves_predictions_answered_and_counts_the_dropped(
    cancer_model, cancer, mlops_home
):
    X, _ = cancer
    server = serving(window_rows=2, queue_rows=4)
    client = Client(server.port)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(mlops_home / "mlops.db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        sent = []
        for i in range(12):  # one window stuck in its write, 4 rows queued, the rest dropped
            status, body, _ = client.call("POST", "/predict", X.iloc[[i]].to_dict(orient="records"))
            assert status == 200
            sent += body["ids"]
            if i == 1:
                wait_for(lambda: client.call("GET", "/metadata")[1]["log"]["queued"] == 0,
                         what="the first window's write")  # fmt: skip
        log = client.call("GET", "/metadata")[1]["log"]
        assert log["dropped"] == 6 and log["written"] == 0 and log["accepted"] == 6
    finally:
        holder.communicate("\n", timeout=30)
    server.stop()
    windows = mlops.list_windows("cancer")
    assert sum(w.n_rows for w in windows) == 6 and sum(w.n_dropped for w in windows) == 6
    assert set(logged_ids()) <= set(sent)


def test_a_failing_store_leaves_predictions_answered(cancer_model, cancer, monkeypatch):
    from jupyter_mlops.errors import StoreError

    def down(*args, **kwargs):
        raise StoreError("the database is unreachable")

    monkeypatch.setattr(monitor_store, "write_window", down)
    X, _ = cancer
    server = serving(window_rows=2)
    client = Client(server.port)
    for i in range(6):
        assert client.call("POST", "/predict", X.iloc[[i]].to_dict(orient="records"))[0] == 200
    log = wait_for(lambda: (m := client.call("GET", "/metadata")[1]["log"])["dropped"] == 6 and m,
                   what="three failed windows")  # fmt: skip
    assert log["write_errors"] == 3 and "unreachable" in log["last_error"]
    server.stop()


def _serve_cli(port: int, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "serve",
         "cancer@production", "--port", str(port), *args],
        env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _healthy(port: int) -> bool:
    try:
        return Client(port).call("GET", "/health")[0] == 200
    except OSError:
        return False


def test_sigkill_loses_only_the_open_window_and_leaves_no_half_written_one(cancer_model, cancer):
    X, _ = cancer
    port = _free_port()
    proc = _serve_cli(port, "--log-window", "5", "--log-every", "3600")
    try:
        wait_for(lambda: _healthy(port), timeout=120, what="the server")
        client = Client(port)
        sent = [client.call("POST", "/predict", X.iloc[[i]].to_dict(orient="records"))[1]["ids"][0]
                for i in range(12)]  # fmt: skip
        wait_for(lambda: len(mlops.list_windows("cancer")) == 2, what="two closed windows")
        stop = threading.Event()

        def traffic() -> None:  # windows keep closing while the kill lands
            c = Client(port)
            while not stop.is_set():
                try:
                    sent.extend(
                        c.call("POST", "/predict", X.iloc[[0]].to_dict(orient="records"))[1]["ids"]
                    )
                except (OSError, http.client.HTTPException):
                    return

        worker = threading.Thread(target=traffic, daemon=True)
        worker.start()
        wait_for(lambda: len(mlops.list_windows("cancer")) >= 4, what="more windows")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        stop.set()
        worker.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)
    windows = mlops.list_windows("cancer")
    logged = [i for w in windows for i in mlops.load_window(w.id)["prediction_id"]]
    assert logged[:10] == sent[:10]
    for w in windows:  # every window whole: its rows, its ids, its profile
        frame = mlops.load_window(w.id)
        assert w.n_rows == len(frame) == 5
        assert mlops.window_profile(w.id).n_rows == 5
        done = mlops.log_labels("cancer", list(frame["prediction_id"]), [1] * 5)
        assert done.added == 5
    lost = [i for i in sent if i not in set(logged)]
    assert set(logged) <= set(sent) and len(logged) == len(set(logged))
    assert all(i > max(logged) for i in lost)  # only the newest rows: the open window's
    if lost:
        with pytest.raises(UnknownPredictions) as err:
            mlops.log_labels("cancer", lost, [1] * len(lost))
        assert err.value.unknown == len(lost)
