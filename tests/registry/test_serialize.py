"""Nothing is unpickled without trusted=True; skops dumps only build scikit-learn/numpy types."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.registry import serialize
from jupyter_mlops.registry.serialize import UntrustedModel


class PlainModel:
    """Not scikit-learn: can only be stored with joblib or pickle."""

    def predict(self, X):
        return np.zeros(len(X))


def test_skops_round_trip(fitted, cancer):
    data, fmt = serialize.dump(fitted)
    assert fmt == "skops"
    X, _ = cancer
    np.testing.assert_array_equal(serialize.load(data, fmt).predict(X), fitted.predict(X))


def test_non_sklearn_model_needs_trust(store):
    with pytest.raises(UntrustedModel, match="trusted=True"):
        mlops.register_model("plain", PlainModel())
    v = mlops.register_model("plain", PlainModel(), trusted=True)
    assert v.format == "joblib"
    with pytest.raises(UntrustedModel, match="runs arbitrary code when loaded"):
        mlops.load_model("plain/1")
    assert isinstance(mlops.load_model("plain/1", trusted=True), PlainModel)


def test_pickle_version_is_refused_without_trust(store, fitted):
    with pytest.raises(UntrustedModel):
        mlops.register_model("p", fitted, format="pickle")
    v = mlops.register_model("p", fitted, format="pickle", trusted=True)
    assert v.format == "pickle"
    with pytest.raises(UntrustedModel, match="pickle"):
        mlops.load_model("p@latest")
    assert type(mlops.load_model("p@latest", trusted=True)).__name__ == "Pipeline"


def test_pickle_artifact_of_a_run_is_refused_without_trust(store, fitted):
    with mlops.start_run("r", capture_context=False) as run:
        mlops.log_artifact(pickle.dumps(fitted), "model.pkl")
    with pytest.raises(UntrustedModel, match="pickle"):
        mlops.register_model("from-pickle", run=run.id)
    assert mlops.list_models().empty
    v = mlops.register_model("from-pickle", run=run.id, trusted=True)
    assert v.format == "pickle"


def test_skops_dump_with_non_sklearn_types_needs_trust(cancer):
    from sklearn.preprocessing import FunctionTransformer

    X, _ = cancer
    model = FunctionTransformer(func=np.sqrt).fit(X)  # numpy ufunc: still safe
    data, _ = serialize.dump(_Wrapped(model), "skops", trusted=True)
    assert serialize.unsafe_types(data)
    with pytest.raises(UntrustedModel, match="outside scikit-learn and numpy"):
        serialize.load(data, "skops")
    assert isinstance(serialize.load(data, "skops", trusted=True), _Wrapped)


class _Wrapped:
    def __init__(self, inner=None):
        self.inner = inner

    def predict(self, X):
        return self.inner.transform(X)
