"""The inference log's tables on SQLite and PostgreSQL: windows, prediction ids, labels."""

from __future__ import annotations

import time
import uuid

import pytest

from jupyter_mlops.errors import Conflict
from jupyter_mlops.store import monitoring
from jupyter_mlops.store.monitoring import UnknownPredictions, WindowInfo


def register(name: str) -> None:
    import numpy as np
    from sklearn.linear_model import LinearRegression

    import jupyter_mlops as mlops

    mlops.register_model(name, LinearRegression().fit(np.eye(3), [0.0, 1.0, 2.0]))


@pytest.fixture
def model(any_store):
    register("cancer")
    return any_store


def window(n: int, *, closed: float | None = None, model: str = "cancer") -> WindowInfo:
    now = time.time() if closed is None else closed
    return WindowInfo(
        id=uuid.uuid4().hex,
        model=model,
        version=1,
        alias="production",
        source="serve",
        opened_at=now - 1,
        closed_at=now,
        n_rows=n,
        n_dropped=0,
        sample_rate=1.0,
        data_digest="a" * 64,
        profile_digest="b" * 64,
        columns=("x", "prediction"),
    )


def test_a_window_and_its_ids_are_written_together_and_listed_in_order(model):
    first, second = window(2, closed=100.0), window(1, closed=200.0)
    monitoring.write_window(model, second, ["p3"])
    monitoring.write_window(model, first, ["p1", "p2"])
    listed = monitoring.list_windows(model, "cancer")
    assert [w.id for w in listed] == [first.id, second.id]
    assert [w.id for w in monitoring.list_windows(model, "cancer", since=150.0)] == [second.id]
    assert monitoring.list_windows(model, "cancer", alias="staging") == []
    assert monitoring.get_window(model, first.id).columns == ("x", "prediction")


def test_a_window_whose_ids_clash_leaves_no_row(model):
    monitoring.write_window(model, window(1), ["p1"])
    clashing = window(2)
    with pytest.raises(Conflict, match="'p1'"):
        monitoring.write_window(model, clashing, ["p2", "p1"])
    assert [w.n_rows for w in monitoring.list_windows(model, "cancer")] == [1]


def test_labels_are_all_or_nothing(model):
    w = window(3)
    monitoring.write_window(model, w, ["p1", "p2", "p3"])
    with pytest.raises(UnknownPredictions) as err:
        monitoring.add_labels(model, "cancer", ["p1", "nope", "p2", "gone"], [1, 0, 1, 0],
                              replace=False)  # fmt: skip
    assert err.value.unknown == 2 and "2 of 4 ids" in str(err.value)
    assert monitoring.window_labels(model, w.id) == {}  # nothing half-applied
    done = monitoring.add_labels(model, "cancer", ["p1", "p2"], [1, 0], replace=False)
    assert (done.added, done.replaced) == (2, 0)
    with pytest.raises(Conflict, match="1 of 2 ids already have a label"):
        monitoring.add_labels(model, "cancer", ["p2", "p3"], [1, 1], replace=False)
    assert monitoring.window_labels(model, w.id) == {"p1": 1, "p2": 0}
    done = monitoring.add_labels(model, "cancer", ["p2", "p3"], [1, 1], replace=True)
    assert (done.added, done.replaced) == (1, 1)
    assert monitoring.window_labels(model, w.id) == {"p1": 1, "p2": 1, "p3": 1}
    assert monitoring.get_window(model, w.id).n_labels == 3


def test_ids_of_another_model_are_unknown(model):
    register("other")
    monitoring.write_window(model, window(1, model="other"), ["q1"])
    with pytest.raises(UnknownPredictions):
        monitoring.add_labels(model, "cancer", ["q1"], [1], replace=False)


def test_gc_keeps_the_blobs_of_windows(model):
    import jupyter_mlops as mlops

    data = model.blobs.put_bytes(b"window rows")
    profile = model.blobs.put_bytes(b"window profile")
    w = window(1)
    w = WindowInfo(**{**w.__dict__, "data_digest": data.digest, "profile_digest": profile.digest})
    monitoring.write_window(model, w, ["p1"])
    loose = model.blobs.put_bytes(b"nobody names me")
    report = mlops.collect_garbage(grace=0)
    assert loose.digest in report.removed_digests
    assert model.blobs.exists(data.digest) and model.blobs.exists(profile.digest)


def test_ids_are_stored_as_ranges_and_survive_a_downgrade_and_upgrade(model):
    from alembic import command
    from sqlalchemy import text

    from jupyter_mlops.monitor.log import PredictionIds

    ids = PredictionIds().take(1000)
    w = window(len(ids))
    monitoring.write_window(model, w, ids[:400] + ids[401:] + ["odd-id"])
    monitoring.add_labels(model, "cancer", [ids[0], "odd-id"], [1, 0], replace=False)
    with model.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM inference_id_ranges")).scalar() == 3
    with model.db.migration_connection() as conn:
        command.downgrade(model.db._alembic_config(conn), "-1")
    with model.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM inference_predictions")).scalar() == 1000
    with model.db.migration_connection() as conn:
        command.upgrade(model.db._alembic_config(conn), "head")
    assert monitoring.window_labels(model, w.id) == {ids[0]: 1, "odd-id": 0}
    past = ids[999][:-12] + f"{1000:012x}"  # after the highest logged id: not known yet
    with pytest.raises(UnknownPredictions, match="1 of 3"):
        monitoring.add_labels(model, "cancer", [ids[1], past, ids[999]], [0, 0, 0],
                              replace=False)  # fmt: skip
    done = monitoring.add_labels(model, "cancer", [ids[1], ids[400], ids[999]], [0, 0, 0],
                                 replace=False)  # fmt: skip
    assert (done.added, done.skipped) == (2, 1)  # ids[400] is a gap in the ranges


def test_a_window_overlapping_a_logged_range_is_refused_whole(model):
    from jupyter_mlops.monitor.log import PredictionIds

    ids = PredictionIds().take(10)
    monitoring.write_window(model, window(5), ids[:5])
    with pytest.raises(Conflict, match=repr(ids[4])):
        monitoring.write_window(model, window(6), ids[4:])
    with pytest.raises(Conflict):
        monitoring.write_window(model, window(2), [ids[7], ids[7]])
    assert [w.n_rows for w in monitoring.list_windows(model, "cancer")] == [5]
    monitoring.write_window(model, window(5), ids[5:])


def test_ids_sampled_out_inside_the_logged_span_are_skipped_not_refused(model):
    from jupyter_mlops.monitor.log import PredictionIds

    ids = PredictionIds().take(10)
    register("other")
    w = window(3)
    monitoring.write_window(model, w, [ids[1], ids[3], ids[6]])  # 2 and 5 sampled out
    monitoring.write_window(model, window(1, model="other"), [ids[4]])
    done = monitoring.add_labels(model, "cancer", [ids[1], ids[2], ids[3], ids[5], ids[6]],
                                 [1, 0, 1, 0, 1], replace=False)  # fmt: skip
    assert (done.added, done.replaced, done.skipped) == (3, 0, 2)
    assert monitoring.window_labels(model, w.id) == {ids[1]: 1, ids[3]: 1, ids[6]: 1}
    only_skipped = monitoring.add_labels(model, "cancer", [ids[2], ids[5]], [0, 0], replace=False)
    assert (only_skipped.added, only_skipped.replaced, only_skipped.skipped) == (0, 0, 2)
    # Before the lowest logged counter, past the highest (a window still open),
    # another model's logged id and an unknown prefix stay unknown: nothing applied.
    for outside in (ids[0], ids[4], ids[7], "f" * 31):
        with pytest.raises(UnknownPredictions, match="1 of 3 ids"):
            monitoring.add_labels(model, "cancer", [ids[2], ids[3], outside], [0, 0, 0],
                                  replace=True)  # fmt: skip
    assert monitoring.window_labels(model, w.id) == {ids[1]: 1, ids[3]: 1, ids[6]: 1}
