"""Schema and migrations: applied on first use, idempotent, in sync with the models."""

import contextlib
import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from jupyter_mlops.errors import StoreError
from jupyter_mlops.store import Store
from jupyter_mlops.store import db as db_mod
from jupyter_mlops.store.schema import Base


def test_sqlite_pragmas(store):
    with store.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_reach_head_and_match_models(any_store):
    db = any_store.db
    assert db.current_revision() == db.head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_upgrade_from_an_older_revision(tmp_path: Path):
    from alembic import command

    uri = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(uri, str(tmp_path / "blobs"))
    with store.db.engine.begin() as conn:
        command.upgrade(store.db._alembic_config(conn), "0001_foundation")
    assert store.db.current_revision() == "0001_foundation"
    store.open()
    assert store.db.current_revision() == store.db.head_revision()
    store.open()  # idempotent


def test_events_table_is_append_only_log(any_store):
    import jupyter_mlops as mlops
    from jupyter_mlops.store.events import list_events

    with mlops.start_run("e") as run:
        pass
    with any_store.db.session() as s:
        kinds = [e.kind for e in list_events(s, entity_type="run", entity_id=run.id)]
        assert kinds == ["run.finished", "run.started"]
        assert s.execute(text("select count(*) from events")).scalar() >= 2


# -- read-only and broken stores ---------------------------------------------------
def _bind_read_only(src: Path, dst: Path) -> bool:
    """Mount ``src`` read-only at ``dst`` (root only); False where mounting is not allowed."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    if subprocess.run(["mount", "--bind", str(src), str(dst)], capture_output=True).returncode:
        return False
    ro = subprocess.run(["mount", "-o", "remount,ro,bind", str(dst)], capture_output=True)
    if ro.returncode:
        subprocess.run(["umount", str(dst)], capture_output=True)
        return False
    return True


@pytest.fixture
def read_only_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``view(src) -> Path``: a read-only view of folder ``src`` at a new path.

    As root (CI), where chmod stops nothing, a read-only bind mount; where mounting
    is not allowed, a symlink whose folder the store is told cannot be written (the
    store then opens SQLite read-only, so writes still really fail). As another
    user, a copy made read-only with chmod.
    """
    mounted: list[Path] = []
    chmodded: list[Path] = []

    def view(src: Path) -> Path:
        dst = tmp_path / f"ro-{len(mounted) + len(chmodded)}"
        if os.geteuid() != 0:
            shutil.copytree(src, dst)
            for p in [dst, *dst.rglob("*")]:
                p.chmod(p.stat().st_mode & ~0o222)
            chmodded.append(dst)
            return dst
        dst.mkdir()
        if _bind_read_only(src, dst):
            mounted.append(dst)
            return dst
        dst.rmdir()
        dst.symlink_to(src, target_is_directory=True)
        writable = db_mod._writable
        monkeypatch.setattr(
            db_mod, "_writable", lambda p: not str(p).startswith(str(dst)) and writable(p)
        )
        return dst

    yield view
    for dst in mounted:
        subprocess.run(["umount", "-l", str(dst)], capture_output=True)
    for dst in chmodded:
        for p in [dst, *dst.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


def _use(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Select the store in ``project/.mlops`` by URI (MLOPS_HOME would resolve a symlink)."""
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"sqlite:///{project / '.mlops' / 'mlops.db'}")
    monkeypatch.setenv("MLOPS_BLOB_ROOT", str(project / ".mlops" / "blobs"))


def _seed(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    import jupyter_mlops as mlops

    _use(project, monkeypatch)
    with mlops.start_run("seed", experiment="ro", capture_context=False) as run:
        run.log_metric("acc", 0.75)
        run.log_param("model", "rf")
    return run.id


def test_a_read_only_store_can_be_read_and_refuses_writes(
    tmp_path, monkeypatch, read_only_view, caplog
):
    import jupyter_mlops as mlops
    from jupyter_mlops.store import get_store

    src = tmp_path / "project"
    run_id = _seed(src, monkeypatch)
    get_store().db.dispose()  # the writer is gone: no -wal / -shm left behind
    ro = read_only_view(src)
    _use(ro, monkeypatch)
    caplog.set_level(logging.WARNING, logger="jupyter_mlops.store.db")

    frame = mlops.search_runs(experiment="ro")
    assert list(frame["run_id"]) == [run_id]
    assert frame["metrics.acc"].tolist() == [0.75]
    assert mlops.get_run(run_id).params == {"model": "rf"}
    assert mlops.count_runs() == 1
    warned = [r for r in caplog.records if "read-only" in r.getMessage()]
    assert len(warned) == 1, caplog.text  # said once, not on every read
    assert str(ro / ".mlops") in warned[0].getMessage()

    with pytest.raises(StoreError, match="read-only") as err:
        mlops.start_run("nope", experiment="ro", capture_context=False)
    assert "writable" in str(err.value)  # says what to do
    _use(src, monkeypatch)
    assert mlops.count_runs() == 1  # nothing was half-written


def test_cli_reads_a_read_only_store_and_exits_2_on_a_write(tmp_path, monkeypatch, read_only_view):
    from click.testing import CliRunner

    from jupyter_mlops.cli import main
    from jupyter_mlops.store import get_store

    src = tmp_path / "project"
    run_id = _seed(src, monkeypatch)
    get_store().db.dispose()
    ro = read_only_view(src)
    _use(ro, monkeypatch)
    result = CliRunner().invoke(main, ["runs", "list"])
    assert result.exit_code == 0, result.output
    assert run_id[:8] in result.output
    result = CliRunner().invoke(main, ["alias", "set", "m", "prod", "1"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "read-only" in lines[0], result.output


def test_a_reader_of_a_read_only_view_sees_a_live_writer(tmp_path, monkeypatch, read_only_view):
    import jupyter_mlops as mlops

    src = tmp_path / "project"
    _seed(src, monkeypatch)  # this process keeps the writable store open
    ro = read_only_view(src)
    _use(ro, monkeypatch)
    assert mlops.count_runs() == 1
    _use(src, monkeypatch)
    _seed(src, monkeypatch)
    _use(ro, monkeypatch)
    assert mlops.count_runs() == 2


def test_a_read_only_store_with_an_old_schema_says_to_upgrade_it(
    tmp_path, monkeypatch, read_only_view
):
    from alembic import command

    src = tmp_path / "project" / ".mlops"
    src.mkdir(parents=True)
    store = Store(f"sqlite:///{src / 'mlops.db'}", str(src / "blobs"))
    with store.db.engine.begin() as conn:
        command.upgrade(store.db._alembic_config(conn), "0001_foundation")
    store.db.dispose()
    ro = read_only_view(src.parent)
    with pytest.raises(StoreError, match="0001_foundation") as err:
        Store(f"sqlite:///{ro / '.mlops' / 'mlops.db'}", str(ro / ".mlops" / "blobs")).open()
    assert "writable" in str(err.value)


def test_a_missing_store_in_a_read_only_folder_is_a_store_error(tmp_path, read_only_view):
    (tmp_path / "empty").mkdir()
    ro = read_only_view(tmp_path / "empty")
    with pytest.raises(StoreError, match="writable") as err:
        Store(f"sqlite:///{ro / '.mlops' / 'mlops.db'}", str(ro / ".mlops" / "blobs")).open()
    assert str(ro / ".mlops") in str(err.value)


def test_a_file_that_is_not_a_database_is_a_store_error_and_cli_exit_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from jupyter_mlops.cli import main

    home = tmp_path / "broken" / ".mlops"
    home.mkdir(parents=True)
    (home / "mlops.db").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("MLOPS_HOME", str(home))
    monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    with pytest.raises(StoreError, match="not a database") as err:
        Store(f"sqlite:///{home / 'mlops.db'}", str(home / "blobs")).open()
    assert str(home / "mlops.db") in str(err.value)
    result = CliRunner().invoke(main, ["runs", "list"])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.fixture
def full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``(folder, fill)``: a small file system and a function that fills it up.

    As root, a 16 MB tmpfs filled with a file; where mounting is not allowed, the
    fault is injected where a full disk shows first (opening the WAL fails with
    SQLite's "disk I/O error").
    """
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = (
        os.geteuid() == 0
        and not subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
        ).returncode
    )

    def fill() -> None:
        if mounted:
            with open(folder / "filler", "wb", buffering=0) as f:  # unbuffered: close never fails
                with contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * 65536)
            return
        real = db_mod._sqlite_pragmas

        def failing(dbapi_conn, record):
            if str(folder) in str(dbapi_conn.execute("PRAGMA database_list").fetchone()[2]):
                raise sqlite3.OperationalError("disk I/O error")
            real(dbapi_conn, record)

        monkeypatch.setattr(db_mod, "_sqlite_pragmas", failing)

    yield folder, fill
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_store_on_a_full_disk_can_be_read(full_disk, monkeypatch, caplog):
    folder, fill = full_disk
    run_id = _seed(folder, monkeypatch)
    from jupyter_mlops.store import get_store

    get_store().db.dispose()
    fill()
    caplog.set_level(logging.WARNING, logger="jupyter_mlops.store.db")
    uri = f"sqlite:///{folder / '.mlops' / 'mlops.db'}"
    store = Store(uri, str(folder / ".mlops" / "blobs")).open()
    assert store.db.read_only
    assert "disk I/O error" in caplog.text
    from jupyter_mlops.store import runs as run_store

    assert run_store.get_run_info(store, run_id).run_id == run_id
    with pytest.raises(StoreError, match="read-only") as err:
        with store.db.session(write=True):
            pass
    assert "free some space" in str(err.value)
