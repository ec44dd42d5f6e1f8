"""The catalog of promoted pipelines: an origin run from another store, a database error."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

import jupyter_mlops as mlops
from jupyter_mlops.errors import StoreError
from jupyter_mlops.pipeline import catalog


def test_an_origin_run_of_another_store_is_kept_out_of_the_catalog(store):
    catalog.register_pipeline(
        "p", "/x/p", "d" * 64, "f" * 32, {"gates": ["acc >= 0.8"]}, event=True
    )
    [info] = mlops.list_pipelines()
    assert (info.name, info.path, info.origin_run_id, info.gates) == (
        "p",
        "/x/p",
        None,
        ["acc >= 0.8"],
    )
    with mlops.start_run("origin") as run:
        pass
    catalog.register_pipeline("p", "/y/p", "e" * 64, run.id, {}, event=False)
    [info] = mlops.list_pipelines()
    assert (info.path, info.origin_run_id, info.gates) == ("/y/p", run.id, [])
    assert catalog.registered_path("p") == "/y/p" and catalog.registered_path("q") is None


def test_a_database_error_looking_up_the_origin_run_reaches_the_caller(store):
    with mlops.start_run("origin") as run:
        pass

    def fail(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM runs" in statement:
            raise OperationalError(statement, None, Exception("disk I/O error"))

    event.listen(store.db.engine, "before_cursor_execute", fail)
    try:
        with pytest.raises(StoreError, match="disk I/O error"):
            catalog.register_pipeline("p", "/x/p", "d" * 64, run.id, {}, event=True)
    finally:
        event.remove(store.db.engine, "before_cursor_execute", fail)
    assert mlops.list_pipelines() == []  # nothing half-written
