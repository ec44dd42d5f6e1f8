"""sklearn autolog: what a fit records, nesting, search child runs, restoring the methods."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import jupyter_mlops as mlops
from jupyter_mlops.store import runs as run_store
from jupyter_mlops.tracking.autolog import autolog_enabled, load_model


@pytest.fixture
def iris():
    data = load_iris(as_frame=True)
    return data.data, data.target


@pytest.fixture
def autologged(mlops_home):
    mlops.autolog("sklearn")
    yield
    mlops.autolog("sklearn", disable=True)


def test_fit_inside_a_run_records_what_sklearn_reports(autologged, iris):
    X, y = iris
    with mlops.start_run("lr") as run:
        model = LogisticRegression(C=0.5, max_iter=500).fit(X, y)
    data = mlops.get_run(run.id)
    assert data.tags["estimator_class"] == "sklearn.linear_model.LogisticRegression"
    assert data.params["C"] == "0.5" and data.params["max_iter"] == "500"
    assert data.metrics["training_score"] == pytest.approx(model.score(X, y))
    schema = json.loads(mlops.load_artifact(run.id, "input_schema.json"))
    assert [c["name"] for c in schema["X"]["columns"]] == list(X.columns)
    assert schema["X"]["n_rows"] == 150 and schema["y"]["type"] == "Series"
    loaded = load_model(run.id)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_fit_without_a_run_opens_one(autologged, iris):
    X, y = iris
    LogisticRegression(max_iter=300).fit(X.to_numpy(), y.to_numpy())
    runs = mlops.search_runs(filter="name = 'LogisticRegression'")
    assert runs["status"].tolist() == ["FINISHED"]
    schema = json.loads(mlops.load_artifact(runs["run_id"][0], "input_schema.json"))
    assert schema["X"] == {"type": "ndarray", "shape": [150, 4], "dtype": "float64"}
    assert mlops.active_run() is None


def test_failing_fit_fails_its_own_run(autologged):
    with pytest.raises(ValueError):
        LogisticRegression().fit([[1.0], [2.0]], [0, 0])  # one class only
    runs = mlops.search_runs(filter="name = 'LogisticRegression'")
    assert runs["status"].tolist() == ["FAILED"]
    assert "ValueError" in mlops.get_run(runs["run_id"][0]).info.error


def test_pipeline_is_one_fit(autologged, iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=300))])
    with mlops.start_run("pipe") as run:
        pipe.fit(X, y)
    data = mlops.get_run(run.id)
    assert data.tags["estimator_class"] == "sklearn.pipeline.Pipeline"
    assert data.params["clf__max_iter"] == "300"
    assert run_store.child_run_ids(run.store, run.id) == []


def test_search_records_cv_results_as_child_runs(autologged, iris):
    X, y = iris
    search = GridSearchCV(LogisticRegression(max_iter=300), {"C": [0.1, 1.0, 10.0]}, cv=3)
    with mlops.start_run("search") as run:
        search.fit(X, y)
    data = mlops.get_run(run.id)
    assert data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert data.params["best.C"] == repr(search.best_params_["C"])
    children = [mlops.get_run(c) for c in run_store.child_run_ids(run.store, run.id)]
    assert len(children) == 3
    by_c = {c.params["C"]: c.metrics for c in children}
    results = search.cv_results_
    for i, params in enumerate(results["params"]):
        got = by_c[repr(params["C"])]
        assert got["mean_test_score"] == pytest.approx(results["mean_test_score"][i])
        assert got["rank_test_score"] == results["rank_test_score"][i]
    csv = pd.read_csv(__import__("io").BytesIO(mlops.load_artifact(run.id, "cv_results.csv")))
    assert len(csv) == 3


def test_second_fit_in_a_run_is_a_child_run(autologged, iris):
    X, y = iris
    with mlops.start_run("two fits") as run:
        LogisticRegression(C=1.0, max_iter=300).fit(X, y)
        LogisticRegression(C=2.0, max_iter=300).fit(X, y)
    assert mlops.get_run(run.id).params["C"] == "1.0"
    (child,) = run_store.child_run_ids(run.store, run.id)
    assert mlops.get_run(child).params["C"] == "2.0"


def test_disable_restores_the_original_methods(mlops_home):
    original_fit = LogisticRegression.fit
    original_fit_transform = StandardScaler.fit_transform
    mlops.autolog("sklearn")
    assert LogisticRegression.fit is not original_fit
    assert autolog_enabled() == ("sklearn",)
    mlops.autolog("sklearn", disable=True)
    assert LogisticRegression.fit is original_fit
    assert StandardScaler.fit_transform is original_fit_transform
    assert autolog_enabled() == ()
    LogisticRegression(max_iter=200).fit([[0.0], [1.0]], [0, 1])
    assert mlops.search_runs(children=True).empty


def test_classes_defined_later_are_patched(autologged):
    from sklearn.base import BaseEstimator, RegressorMixin

    class Mean(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.mean_ = float(np.mean(y))
            return self

        def predict(self, X):
            return np.full(len(X), self.mean_)

    with mlops.start_run("custom") as run:
        Mean().fit([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0])
    data = mlops.get_run(run.id)
    assert data.tags["estimator_name"] == "Mean"
    assert data.metrics["training_score"] == pytest.approx(0.0)


def test_unknown_flavor_is_a_clear_error(mlops_home):
    with pytest.raises(mlops.InvalidArgument, match="flavor"):
        mlops.autolog("tensorflow")


def _all_runs(store) -> list[tuple[str, str | None]]:
    """(name, parent) of every run, children included, oldest first."""
    from sqlalchemy import select

    from jupyter_mlops.store.schema import Run as RunRow

    with store.db.session() as session:
        rows = session.execute(
            select(RunRow.name, RunRow.parent_run_id).order_by(RunRow.start_time)
        ).all()
    return [tuple(r) for r in rows]


def _fit_and_two_metrics(X, y):
    from sklearn.metrics import classification_report, f1_score

    model = LogisticRegression(max_iter=300).fit(X, y)
    predicted = model.predict(X)
    f1_score(y, predicted, average="macro")
    classification_report(y, predicted)
    return model


def test_metrics_fitting_label_encoders_make_no_runs(autologged, store, iris):
    X, y = iris
    _fit_and_two_metrics(X, y)
    assert [name for name, _ in _all_runs(store)] == ["LogisticRegression"]
    with mlops.start_run("outer") as run:
        _fit_and_two_metrics(X, y)
    assert [n for n, parent in _all_runs(store) if parent == run.id] == []
    assert mlops.get_run(run.id).tags["estimator_name"] == "LogisticRegression"


def test_fits_made_by_sklearn_helpers_are_not_runs(autologged, store, iris):
    from sklearn.model_selection import cross_val_score
    from sklearn.preprocessing import FunctionTransformer

    X, y = iris

    def refit(frame):
        LogisticRegression(max_iter=300).fit(X, y)  # called by sklearn, not by the user
        return frame

    cross_val_score(LogisticRegression(max_iter=300), X, y, cv=3)
    FunctionTransformer(refit).transform(X)
    assert _all_runs(store) == []
    StandardScaler().fit_transform(X)  # inherited fit_transform: still the user's fit
    assert [name for name, _ in _all_runs(store)] == ["StandardScaler"]


def test_fit_and_metrics_in_a_shell_make_one_run(ip, store):
    cells = (
        "from sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import classification_report, f1_score\n"
        "X, y = load_iris(return_X_y=True)",
        "%mlops autolog sklearn",
        "model = LogisticRegression(max_iter=300).fit(X, y)",
        "f1 = f1_score(y, model.predict(X), average='macro')",
        "report = classification_report(y, model.predict(X))",
    )
    try:
        for cell in cells:
            result = ip.run_cell(cell)
            assert result.success, result.error_in_exec
    finally:
        mlops.autolog("sklearn", disable=True)
    assert [name for name, _ in _all_runs(store)] == ["LogisticRegression"]


def test_search_over_a_pipeline_in_a_cell_run_keeps_only_candidate_children(ip, store):
    cells = (
        "from sklearn.compose import ColumnTransformer\n"
        "from sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import classification_report, f1_score\n"
        "from sklearn.model_selection import GridSearchCV\n"
        "from sklearn.pipeline import Pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "X, y = load_iris(return_X_y=True, as_frame=True)\n"
        "prep = ColumnTransformer([('num', StandardScaler(), list(X.columns))])\n"
        "pipe = Pipeline([('prep', prep), ('clf', LogisticRegression(max_iter=300))])",
        "%mlops autolog sklearn",
        "%%mlops run grid\n"
        "grid = GridSearchCV(pipe, {'clf__C': [0.1, 1.0]}, cv=3, scoring='f1_macro').fit(X, y)\n"
        "f1 = f1_score(y, grid.predict(X), average='macro')\n"
        "report = classification_report(y, grid.predict(X))",
    )
    try:
        for cell in cells:
            result = ip.run_cell(cell)
            assert result.success, result.error_in_exec
    finally:
        mlops.autolog("sklearn", disable=True)
    runs = _all_runs(store)
    top = [name for name, parent in runs if parent is None]
    assert top == ["grid"]
    assert sorted(name for name, parent in runs if parent is not None) == [
        "GridSearchCV candidate 0",
        "GridSearchCV candidate 1",
    ]


def test_an_autologged_model_loads_with_the_registry_trust_rule(autologged):
    """A function stored in an autologged model is refused until named (skops alone trusts it)."""
    from sklearn.datasets import make_classification
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from jupyter_mlops.registry.serialize import UntrustedModel

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    model = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression()).fit(np.abs(X), y)
    (row,) = mlops.search_runs().itertuples()
    with pytest.raises(UntrustedModel, match="numpy.log1p"):
        load_model(row.run_id)
    loaded = load_model(row.run_id, trusted=["numpy.log1p"])
    assert (loaded.predict(np.abs(X)) == model.predict(np.abs(X))).all()
