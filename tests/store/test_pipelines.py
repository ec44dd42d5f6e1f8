"""Promoted pipelines, their run cache and a notebook's session runs in the store (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import update

from jupyter_mlops.store import RunStatus
from jupyter_mlops.store import events as event_store
from jupyter_mlops.store import pipelines as pipeline_store
from jupyter_mlops.store import runs as run_store
from jupyter_mlops.store.schema import Run as RunRow


def _run(store, name: str, notebook: str | None = "/nb/a.ipynb", **kw):
    return run_store.create_run(store, experiment="exp", name=name, source_path=notebook, **kw)


def _set(store, run_id: str, **values) -> None:
    with store.db.session(write=True) as s:
        s.execute(update(RunRow).where(RunRow.run_id == run_id).values(**values))


def test_a_pipeline_is_registered_then_updated_with_one_promotion_event(any_store):
    origin = _run(any_store, "origin")
    spec = {"parameters": {"a": {"type": "int", "default": 1}}, "gates": ["acc >= 0.8"]}
    pipeline_store.register_pipeline(
        any_store, "p", "/x/p", "d" * 64, origin.run_id, spec, event=True
    )
    pipeline_store.register_pipeline(any_store, "p", "/y/p", "e" * 64, "f" * 32, {}, event=False)
    [info] = pipeline_store.list_pipelines(any_store)
    # the second origin is not in this store: the catalog keeps None, the YAML keeps the id
    assert (info.name, info.path, info.origin_run_id, info.gates) == ("p", "/y/p", None, [])
    assert info.updated_at >= info.created_at
    assert pipeline_store.registered_path(any_store, "p") == "/y/p"
    assert pipeline_store.registered_path(any_store, "q") is None
    events = event_store.read_events(any_store, kind="pipeline.*")
    assert [(e.kind, e.entity_id, e.payload["new"]) for e in events] == [
        ("pipeline.promoted", "p", True)
    ]


def test_the_cache_hits_only_a_finished_run_and_is_forgotten_per_pipeline(any_store):
    done, failed = _run(any_store, "done"), _run(any_store, "failed")
    run_store.end_run(any_store, done.run_id, RunStatus.FINISHED)
    run_store.end_run(any_store, failed.run_id, RunStatus.FAILED, error="boom")
    pipeline_store.cache_run(any_store, "k1", "p", failed.run_id)
    assert pipeline_store.cached_run(any_store, "k1") is None
    pipeline_store.cache_run(any_store, "k1", "p", done.run_id)  # replaces the older entry
    pipeline_store.cache_run(any_store, "k2", "q", done.run_id)
    assert pipeline_store.cached_run(any_store, "k1") == done.run_id
    assert pipeline_store.cached_run(any_store, "missing") is None
    assert pipeline_store.forget_cached_runs(any_store, "p") == 1
    assert pipeline_store.cached_run(any_store, "k1") is None
    assert pipeline_store.cached_run(any_store, "k2") == done.run_id


def test_the_session_runs_of_a_notebook_are_its_kernels_top_level_runs(any_store):
    old = _run(any_store, "old")
    _set(any_store, old.run_id, pid=old.pid + 1, start_time=old.start_time - 100)
    first, second = _run(any_store, "first"), _run(any_store, "second")
    _set(any_store, second.run_id, start_time=first.start_time + 1)
    _run(any_store, "child", parent_run_id=first.run_id)
    _run(any_store, "elsewhere", notebook="/nb/b.ipynb")
    chosen, session = pipeline_store.notebook_session_runs(any_store, "/nb/a.ipynb")
    assert chosen.run_id == second.run_id and chosen.experiment == "exp"
    assert [r.name for r in session] == ["first", "second"]
    chosen, session = pipeline_store.notebook_session_runs(any_store, "/nb/a.ipynb", old.run_id[:8])
    assert chosen.run_id == old.run_id and [r.name for r in session] == ["old"]
    assert pipeline_store.notebook_session_runs(any_store, "/nb/none.ipynb") == (None, [])


def test_a_chosen_run_of_another_notebook_has_no_session(any_store):
    other = _run(any_store, "other", notebook="/nb/b.ipynb")
    chosen, session = pipeline_store.notebook_session_runs(any_store, "/nb/a.ipynb", other.run_id)
    assert chosen.run_id == other.run_id and session == []
