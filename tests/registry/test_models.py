"""Registering versions, finding and loading them by every reference form."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.store.events import list_events


def test_versions_count_up_per_model(any_store, train, constant):
    v1 = train("cancer", accuracy=0.9)
    v2 = train("cancer", constant, accuracy=0.6)
    other = train("other", accuracy=0.5)
    assert (v1.version, v2.version, other.version) == (1, 2, 1)
    assert v1.format == "skops" and v1.model_class == "sklearn.pipeline.Pipeline"
    assert v2.model_class == "sklearn.dummy.DummyClassifier"
    assert v1.run_id != v2.run_id and v1.run_id is not None
    assert [v.version for v in mlops.list_versions("cancer")] == [1, 2]
    frame = mlops.list_models()
    assert list(frame["name"]) == ["cancer", "other"]
    assert list(frame["latest_version"]) == [2, 1]
    with any_store.db.session() as s:
        events = list_events(s, entity_type="model", entity_id="cancer", kind="model.registered")
    assert [e.payload["version"] for e in events] == [2, 1]
    assert events[0].payload["run_id"] == v2.run_id


def test_version_without_a_run_points_at_its_blob(store, fitted):
    import hashlib

    v = mlops.register_model("a", fitted)
    assert v.run_id is None and v.source == "object"
    data = store.blobs.get_bytes(v.digest)
    assert hashlib.sha256(data).hexdigest() == v.digest and len(data) == v.size


def test_the_same_model_registered_twice_is_stored_once(store, fitted):
    import copy

    first = mlops.register_model("a", fitted)
    second = mlops.register_model("b", copy.deepcopy(fitted))
    assert first.digest == second.digest
    assert len(list(store.blobs.fs.find(store.blobs.root))) == 1


def test_signature_from_fitted_columns_and_output(store, fitted, cancer):
    v = mlops.register_model("cancer", fitted, description="baseline")
    sig = v.signature
    assert [c["name"] for c in sig["inputs"]] == list(cancer[0].columns)
    assert {c["type"] for c in sig["inputs"]} == {"double"}
    assert sig["output"] == {"kind": "classification", "classes": [0, 1], "probabilities": True}
    assert v.description == "baseline"


def test_signature_from_input_example_types(store):
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame({"a": [1, 2, 3, 4], "b": [0.5, np.nan, 1.5, 2.0]})
    model = LinearRegression().fit(X.fillna(0), [1.0, 2.0, 3.0, 4.0])
    v = mlops.register_model("reg", model, input_example=X)
    assert v.signature["inputs"] == [
        {"name": "a", "type": "long", "nullable": False},
        {"name": "b", "type": "double", "nullable": True},
    ]
    assert v.signature["output"] == {"kind": "regression"}


def test_array_models_get_positional_columns(store, cancer):
    from sklearn.tree import DecisionTreeClassifier

    X, y = cancer
    model = DecisionTreeClassifier(max_depth=2).fit(X.to_numpy(), y)
    v = mlops.register_model("tree", model)
    assert v.signature["named"] is False
    assert [c["name"] for c in v.signature["inputs"]][:3] == ["x0", "x1", "x2"]


def test_load_by_every_reference_form(store, train, constant, cancer):
    X, _ = cancer
    train("cancer", accuracy=0.9)
    train("cancer", constant, accuracy=0.5)
    mlops.set_alias("cancer", "production", 1)
    first = mlops.load_model("cancer/1")
    assert type(first).__name__ == "Pipeline"
    np.testing.assert_array_equal(
        first.predict(X.head(20)), mlops.load_model("cancer@production").predict(X.head(20))
    )
    for ref in ("cancer@latest", "cancer", "cancer/2", "cancer@2", "models:/cancer@latest"):
        assert type(mlops.load_model(ref)).__name__ == "DummyClassifier", ref
    assert mlops.get_model_version("cancer@production").aliases == ("production",)


def test_unknown_model_version_alias(store, train):
    train("cancer", accuracy=0.9)
    with pytest.raises(NotFound, match="model 'nope' does not exist"):
        mlops.load_model("nope@production")
    with pytest.raises(NotFound, match=r"no version 7 \(versions are 1..1\)"):
        mlops.load_model("cancer/7")
    with pytest.raises(NotFound, match="no alias 'production'"):
        mlops.get_model_version("cancer@production")
    with pytest.raises(NotFound):
        mlops.list_versions("nope")


@pytest.mark.parametrize(
    "obj", [42, "model", {"predict": 1}, np.zeros(3), type("Cls", (), {"predict": lambda s: 0})]
)
def test_registering_something_that_is_not_a_model(store, obj):
    with pytest.raises(
        InvalidArgument, match="^model: expected a fitted model object with a predict"
    ):
        mlops.register_model("x", obj)
    assert mlops.list_models().empty


def test_bad_arguments_leave_nothing(store, fitted):
    with pytest.raises(InvalidArgument, match="name"):
        mlops.register_model("bad name", fitted)
    with pytest.raises(InvalidArgument, match="artifact"):
        mlops.register_model("x", fitted, artifact="model.skops")
    with pytest.raises(InvalidArgument, match="model"):
        mlops.register_model("x")
    with pytest.raises(InvalidArgument, match="format"):
        mlops.register_model("x", fitted, format="onnx")
    assert mlops.list_models().empty


def test_register_from_a_runs_artifact(store, fitted, cancer):
    import skops.io as sio

    with mlops.start_run("trainer", capture_context=False) as run:
        mlops.log_metric("accuracy", 0.93)
        mlops.log_artifact(sio.dumps(fitted), "model.skops")
        mlops.log_artifact(b"notes", "notes.txt")
    v = mlops.register_model("from-run", run=run.id)
    assert v.run_id == run.id and v.source == f"runs:/{run.id}/model.skops"
    assert v.format == "skops"
    X, _ = cancer
    np.testing.assert_array_equal(
        mlops.load_model("from-run/1").predict(X.head(5)), fitted.predict(X.head(5))
    )
    with pytest.raises(NotFound, match="no artifact 'missing.skops'"):
        mlops.register_model("from-run", run=run.id, artifact="missing.skops")
    with pytest.raises(InvalidArgument, match="format"):
        mlops.register_model("from-run", run=run.id, artifact="notes.txt")


def test_register_uses_the_active_run_and_its_snapshots(store, fitted, cancer):
    X, _ = cancer
    with mlops.start_run("with-data", capture_context=False) as run:
        snap = mlops.snapshot(X, "cancer-features")
        v = mlops.register_model("cancer", fitted)
    assert v.run_id == run.id
    assert v.input_snapshots == (snap.id,)


def test_concurrent_registrations_get_distinct_versions(any_store, constant):
    from concurrent.futures import ThreadPoolExecutor

    def register(i):
        return mlops.register_model("busy", constant, description=f"#{i}").version

    with ThreadPoolExecutor(4) as pool:
        versions = sorted(pool.map(register, range(8)))
    assert versions == list(range(1, 9))
    assert sorted(int(v.description[1:]) for v in mlops.list_versions("busy")) == list(range(8))
