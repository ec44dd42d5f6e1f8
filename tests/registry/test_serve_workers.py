"""``jupyter mlops serve --workers N`` over real HTTP: N processes on one port.

Every worker answers and follows an alias move; a killed worker is restarted
(and the log says so) while the others keep answering; every request is
logged exactly once across workers, with ids unique; SIGTERM exits 0 with the
open windows written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from tests.conftest import _free_port, wait_for
from tests.registry.test_serve_logging import Client


@pytest.fixture
def cancer_model(store, train):
    train("cancer", accuracy=0.9)
    mlops.set_alias("cancer", "production", 1)


class Workers:
    """``serve --workers N`` in a subprocess, its stderr in a file."""

    def __init__(self, tmp_path: Path, n: int, *args: str) -> None:
        self.port = _free_port()
        self.stderr = tmp_path / "serve.err"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "serve",
             "cancer@production", "--port", str(self.port), "--workers", str(n), "--refresh",
             "0.05", *args],
            env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=self.stderr.open("w"),
        )  # fmt: skip

    def pid_of(self, client: Client) -> int:
        return client.call("GET", "/metadata")[1]["worker"]["pid"]

    def new_client(self) -> tuple[Client, int] | None:
        try:
            client = Client(self.port)
            return client, self.pid_of(client)
        except OSError:
            return None

    def clients(self, n: int) -> dict[int, Client]:
        """One keep-alive connection to each of ``n`` distinct workers (fresh connections until then)."""
        found: dict[int, Client] = {}

        def more() -> bool:
            if (got := self.new_client()) is not None:
                found.setdefault(got[1], got[0])
            return len(found) >= n

        wait_for(more, timeout=60, what=f"{n} workers answering")
        return found

    def log(self) -> str:
        return self.stderr.read_text()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


@pytest.fixture
def workers(tmp_path):
    started: list[Workers] = []

    def start(n: int, *args: str) -> Workers:
        started.append(Workers(tmp_path, n, *args))
        return started[-1]

    yield start
    for w in started:
        w.kill()


def logged_ids() -> list[str]:
    return [
        i for w in mlops.list_windows("cancer") for i in mlops.load_window(w.id)["prediction_id"]
    ]


def predict(client: Client, rows) -> list[str]:
    status, body, _ = client.call("POST", "/predict", rows.to_dict(orient="records"))
    assert status == 200, body
    return body["ids"]


def test_workers_answer_follow_an_alias_move_and_log_every_request_once(
    cancer_model, cancer, train, constant, workers
):
    X, _ = cancer
    server = workers(2, "--log-window", "7", "--log-every", "3600")
    clients = server.clients(2)
    assert len(clients) == 2 and os.getpid() not in clients
    returned: list[str] = []
    for i in range(12):
        for client in clients.values():
            returned += predict(client, X.iloc[i : i + 1 + i % 3])
    train("cancer", model=constant)
    mlops.set_alias("cancer", "production", 2)
    for client in clients.values():
        wait_for(lambda c=client: c.call("GET", "/metadata")[1]["version"] == 2, what="the move")
        returned += predict(client, X.head(3))
    assert server.stop() == 0  # each worker writes its open windows
    logged = logged_ids()
    assert len(logged) == len(set(logged)) == len(returned) == len(set(returned))
    assert sorted(logged) == sorted(returned)
    windows = mlops.list_windows("cancer")
    assert {w.version for w in windows} == {1, 2} and all(w.n_dropped == 0 for w in windows)
    assert sum(w.n_rows for w in windows if w.version == 2) == 6
    prefixes = {i[:19] for i in returned}  # the per-process part of an id
    assert len(prefixes) == 2
    for w in windows:  # a window holds one worker's rows
        assert len({i[:19] for i in mlops.load_window(w.id)["prediction_id"]}) == 1


def test_a_killed_worker_is_restarted_and_the_others_keep_answering(cancer_model, cancer, workers):
    X, _ = cancer
    server = workers(2, "--log-window", "1000")
    clients = server.clients(2)
    victim, survivor = list(clients)
    os.kill(victim, signal.SIGKILL)
    returned = predict(clients[survivor], X.head(2))
    log = wait_for(lambda: "restarted as pid" in server.log() and server.log(), what="restart")
    assert f"(pid {victim}) was killed by SIGKILL; restarted as pid" in log
    new = int(log.split("restarted as pid ")[1].split()[0])
    found = server.clients(2)
    assert set(found) == {survivor, new}
    returned += predict(found[new], X.head(3))
    assert server.stop() == 0
    assert sorted(logged_ids()) == sorted(returned)


def test_one_worker_per_cpu_with_auto(cancer_model, workers):
    n = len(os.sched_getaffinity(0))
    server = workers("auto")
    assert len(server.clients(n)) == n
    assert f"{n} workers serving" in wait_for(server.log, what="the ready line")
    assert server.stop() == 0


def test_a_model_that_cannot_be_served_fails_once_with_its_error(store, workers):
    server = workers(2)
    assert server.proc.wait(60) == 2
    log = server.log()
    assert log.count("error:") == 1 and "cancer" in log


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_workers_must_be_a_positive_number_or_auto(store, value):
    result = CliRunner().invoke(main, ["serve", "cancer@production", "--workers", value])
    assert result.exit_code == 2
    assert "workers" in result.output and "auto" in result.output
