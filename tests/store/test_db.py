"""Schema and migrations: applied on first use, idempotent, in sync with the models."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from jupyter_mlops.store import Store
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
