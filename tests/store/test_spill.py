"""Points a run could not write: kept in a spill file and replayed, or counted as lost."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event

import jupyter_mlops as mlops
from jupyter_mlops import store as store_pkg
from jupyter_mlops.cli import main
from jupyter_mlops.store import metrics as metric_store
from jupyter_mlops.store import spill
from jupyter_mlops.tracking import run as run_mod


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder (the spill's fallback) inside the test's own folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("MLOPS_FLUSH_INTERVAL", "3600")
    return folder


def _points(store, run_id: str) -> int:
    return metric_store.count_points(store, run_id)


def _reopen():
    """The next process's view: a fresh store object, opened (and so replaying)."""
    for old in store_pkg._stores.values():
        old.db.dispose()
    store_pkg._stores.clear()
    return store_pkg.get_store()


def _refuse_metric_inserts(store) -> None:
    """The database answers as SQLite does on a full disk, for metric rows only."""

    def refuse(conn, cursor, statement, params, context, executemany):
        if statement.startswith("INSERT INTO metric_chunks"):
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(store.db.engine, "before_cursor_execute", refuse)


def _log_and_end(run, n: int, match: str) -> None:
    for i in range(n):
        run.log_metric("m", float(i))
    with pytest.warns(UserWarning, match=match):
        run.end()


def test_unwritten_points_are_spilled_beside_the_store_and_replayed(store, mlops_home, private_tmp):
    run = mlops.start_run("spilled", capture_context=False)
    _refuse_metric_inserts(store)
    _log_and_end(run, 1000, "1000 metric points could not be written.*kept in")
    data = mlops.get_run(run.id)
    assert data.info.status == "FINISHED" and data.tags[spill.SPILLED_TAG] == "1000"
    [path] = spill.pending(store)
    assert path.parent == mlops_home.resolve() / "spill"
    assert _points(store, run.id) == 0

    reopened = _reopen()
    assert _points(reopened, run.id) == 1000
    assert spill.pending(reopened) == [] and not list(path.parent.iterdir())
    tags = mlops.get_run(run.id).tags
    assert tags[spill.REPLAYED_TAG] == "1000" and spill.SPILLED_TAG not in tags
    assert mlops.get_metric_history(run.id, "m")["value"].tolist() == [
        float(i) for i in range(1000)
    ]
    _reopen()  # a second open does not write them again
    assert _points(reopened, run.id) == 1000


def _full_beside_the_store(monkeypatch, mlops_home: Path) -> None:
    real = spill._write_atomic

    def write(target: Path, data: bytes) -> Path:
        if mlops_home in target.parents:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return real(target, data)

    monkeypatch.setattr(spill, "_write_atomic", write)


def test_spill_falls_back_to_the_temporary_folder(store, mlops_home, private_tmp, monkeypatch):
    _full_beside_the_store(monkeypatch, mlops_home)
    run = mlops.start_run("spilled-elsewhere", capture_context=False)
    _refuse_metric_inserts(store)
    _log_and_end(run, 300, "kept in")
    [path] = spill.pending(store)
    assert private_tmp in path.parents
    assert (path.parent.parent.stat().st_mode & 0o777) == 0o700
    assert _points(_reopen(), run.id) == 300


def test_points_that_cannot_be_kept_either_are_counted_lost(
    store, mlops_home, private_tmp, monkeypatch
):
    _full_beside_the_store(monkeypatch, mlops_home)
    monkeypatch.setattr(tempfile, "tempdir", str(mlops_home / "spill-nowhere"))
    run = mlops.start_run("lost", capture_context=False)
    _refuse_metric_inserts(store)
    _log_and_end(run, 250, "250 metric points could not be written.*lost")
    data = mlops.get_run(run.id)
    assert data.info.status == "FINISHED"
    assert data.tags[spill.LOST_TAG] == "250"
    shown = CliRunner().invoke(main, ["runs", "show", run.id], catch_exceptions=False)
    assert shown.exit_code == 0
    assert "mlops.lost_points" in shown.output and "250" in shown.output


def test_a_claimed_spill_file_is_replayed_once(any_store, private_tmp):
    store = any_store
    run = mlops.start_run("claimed", capture_context=False)
    rows = [(run.id, "m", i, 1.0 + i, float(i)) for i in range(10)]
    path = spill.write(store, run.id, rows, status="FINISHED")
    assert spill.replay(store) == 10
    assert spill.replay(store) == 0
    assert not path.exists() and _points(store, run.id) == 10
    assert mlops.get_run(run.id).info.status == "FINISHED"
    run._ended = True  # the spill ended it, as Run.end would have
    run_mod._forget(run)


def test_a_claim_left_by_a_dead_replayer_is_taken_over(store, private_tmp):
    run = mlops.start_run("orphaned-claim", capture_context=False)
    path = spill.write(store, run.id, [(run.id, "m", 0, 1.0, 2.0)], status="FAILED")
    dead = subprocess.Popen(["true"])
    dead.wait()
    os.rename(path, f"{path}.replaying-{dead.pid}")
    alive = f"{path}.replaying-{os.getppid()}"
    spill.write(store, run.id, [(run.id, "m", 1, 1.0, 3.0)], status="FAILED").rename(alive)
    assert spill.replay(store) == 1  # the live replayer's file is left to it
    assert Path(alive).exists() and _points(store, run.id) == 1
    assert mlops.get_run(run.id).info.status == "FAILED"
    run._ended = True
    run_mod._forget(run)


# -- a real full file system ------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path):
    """An 8 MB tmpfs (20,000 points fit once it frees) (needs root, as in CI); skipped where it cannot be mounted."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        for key in [k for k in store_pkg._stores if str(disk) in k[0]]:
            store_pkg._stores.pop(key).db.dispose()
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


# Whether the status itself can still be written depends on the room left in the WAL.
@pytest.mark.filterwarnings("ignore:.*could not be marked FINISHED")
def test_full_disk_points_are_kept_and_written_once_it_frees(small_disk, private_tmp, monkeypatch):
    monkeypatch.setenv("MLOPS_HOME", str(small_disk / ".mlops"))
    monkeypatch.setattr(run_mod, "BATCH_SIZE", 10**6)
    run = mlops.start_run("full-disk", capture_context=False)
    store = run.store
    filler = _fill(small_disk)
    try:
        _log_and_end(run, 20_000, "20000 metric points could not be written.*kept in")
        [path] = spill.pending(store)
        assert private_tmp in path.parents  # the full disk took nothing
    finally:
        run_mod._forget(run)
    filler.unlink()
    reopened = _reopen()
    assert _points(reopened, run.id) == 20_000
    assert spill.pending(reopened) == []
    assert mlops.get_run(run.id).info.status == "FINISHED"
