"""Nothing is unpickled without trusted=True; skops dumps build only allow-listed types and
named functions, even when every part comes from scikit-learn or numpy."""

from __future__ import annotations

import json
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
    model = FunctionTransformer(func=np.sqrt).fit(X)  # a numpy ufunc: must be named too
    data, _ = serialize.dump(_Wrapped(model), "skops", trusted=True)
    assert serialize.unsafe_types(data) == ["numpy.sqrt", "tests.registry.test_serialize._Wrapped"]
    with pytest.raises(UntrustedModel, match="not on the allow-list of scikit-learn and numpy"):
        serialize.load(data, "skops")
    assert isinstance(serialize.load(data, "skops", trusted=True), _Wrapped)


class _Wrapped:
    def __init__(self, inner=None):
        self.inner = inner

    def predict(self, X):
        return self.inner.transform(X)


# -- crafted models: scikit-learn and numpy parts only, yet they would run code ----------
CRAFT = """
import os
import numpy as np
import numpy.testing
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
import jupyter_mlops as mlops

target = os.environ["CRAFT_TARGET"]
code = f"open({target!r}, 'w').write('ran')"
X = np.zeros((2, 1))


def step(func, **kw_args):
    return FunctionTransformer(func, kw_args=kw_args or None).fit(X)  # fit never calls func


def text(value, shape=()):
    return step(np.full_like, fill_value=value, dtype="U500", shape=shape)


clf = DummyClassifier().fit(X, [0, 1])
models = {
    # builds a string of code from the input and hands it to numpy's exec helper
    "exec-chain": [text(code), step(np.str_), step(numpy.testing.measure)],
    # a numpy function that writes a file named by the previous step
    "writes-file": [text(target), step(np.str_), step(np.save, arr=np.zeros(1))],
    # the executing callable sits in kw_args, not in func
    "kwargs-callable": [
        text(code, shape=(1,)),
        step(np.loadtxt, converters=numpy.testing.measure, delimiter="\\x01"),
    ],
}
for name, steps in models.items():
    pipe = Pipeline([(f"s{i}", s) for i, s in enumerate(steps)] + [("clf", clf)])
    mlops.register_model(name, pipe, trusted=True)  # whoever wrote the store trusted it
print("registered")
"""

LOAD = """
import numpy as np
import jupyter_mlops as mlops
from jupyter_mlops.registry import UntrustedModel

try:
    mlops.load_model("{ref}").predict(np.zeros((2, 1)))
except UntrustedModel as exc:
    print("REFUSED", exc)
except Exception as exc:
    print("RAN", type(exc).__name__, exc)
"""

CRAFTED = {
    "exec-chain": ["numpy.testing._private.utils.measure", "numpy.full_like"],
    "writes-file": ["numpy.save", "numpy.full_like"],
    "kwargs-callable": ["numpy.testing._private.utils.measure", "numpy.loadtxt"],
}


@pytest.fixture
def crafted(store, tmp_path):
    """The crafted models registered by another process; the folder their payloads write to."""
    out = tmp_path / "payload"
    out.mkdir()
    from tests.conftest import run_python

    proc = run_python(CRAFT, env={"CRAFT_TARGET": str(out / "written")})
    assert proc.returncode == 0 and "registered" in proc.stdout, proc.stderr
    assert list(out.iterdir()) == []  # registering ran nothing
    return out


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_model_is_refused_in_another_process_and_runs_nothing(crafted, name):
    from tests.conftest import run_python

    proc = run_python(LOAD.format(ref=f"{name}/1"))
    assert proc.returncode == 0, proc.stderr
    assert list(crafted.iterdir()) == [], f"the {name} payload ran: {proc.stdout}"
    assert proc.stdout.startswith("REFUSED"), proc.stdout
    for type_name in CRAFTED[name]:
        assert type_name in proc.stdout
    assert "trusted=" in proc.stdout


def test_crafted_model_loads_only_when_every_callable_is_named(crafted):
    names = CRAFTED["writes-file"]
    with pytest.raises(UntrustedModel, match="numpy.save"):
        mlops.load_model("writes-file/1", trusted=names[1:])  # numpy.save not named
    assert list(crafted.iterdir()) == []
    model = mlops.load_model("writes-file/1", trusted=names)  # the user vouched for both
    assert [s for s, _ in model.steps] == ["s0", "s1", "s2", "clf"]


def _ordinary_models():
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = load_iris(return_X_y=True, as_frame=True)
    Xc = X.assign(city=pd.Series(["a", "b", "c"] * 50))
    mixed = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["city"]),
            (StandardScaler(), list(X.columns)),
        ),
        LogisticRegression(max_iter=500),
    )
    search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=2)
    return {
        "logistic": (LogisticRegression(max_iter=500).fit(X, y), X),
        "forest": (RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y), X),
        "mixed": (mixed.fit(Xc, y), Xc),
        "searched": (search.fit(X, y).best_estimator_, X),
    }


def test_ordinary_sklearn_models_load_in_another_process_without_trust(store):
    from tests.conftest import run_python

    models = _ordinary_models()
    for name, (model, _) in models.items():
        mlops.register_model(name, model)
    for name, (model, X) in models.items():
        code = (
            "import io, json, pandas as pd, jupyter_mlops as mlops\n"
            "X = pd.read_json(io.StringIO({!r}), orient='split')\n"
            "print(json.dumps(mlops.load_model({!r}).predict(X).tolist()))\n"
        ).format(X.head(6).to_json(orient="split"), f"{name}/1")
        proc = run_python(code)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == model.predict(X.head(6)).tolist(), name


def test_numpy_function_in_a_model_must_be_named(store, cancer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = cancer
    model = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression(max_iter=500))
    model.fit(X, y)
    with pytest.raises(UntrustedModel, match=r"numpy\.log1p"):
        mlops.register_model("logged", model)  # a ufunc skops itself would trust
    assert mlops.list_models().empty
    mlops.register_model("logged", model, trusted=["numpy.log1p"])
    with pytest.raises(UntrustedModel, match=r"numpy\.log1p.*trusted=\['numpy\.log1p'\]"):
        mlops.load_model("logged/1")
    loaded = mlops.load_model("logged/1", trusted=["numpy.log1p"])
    assert loaded.predict(X.head(5)).tolist() == model.predict(X.head(5)).tolist()


def test_inverse_func_and_builtins_are_callables_too(cancer):
    import builtins

    from sklearn.preprocessing import FunctionTransformer

    X, _ = cancer
    inverse = FunctionTransformer(np.sqrt, inverse_func=np.square, check_inverse=False).fit(X)
    data, _ = serialize.dump(_Wrapped(inverse), "skops", trusted=True)
    bad = serialize.unsafe_types(data)
    assert {"numpy.sqrt", "numpy.square"} <= set(bad)
    builtin = FunctionTransformer(builtins.len).fit(X)
    data, _ = serialize.dump(_Wrapped(builtin), "skops", trusted=True)
    assert "builtins.len" in serialize.unsafe_types(data)
    assert "builtins.len" not in serialize.unsafe_types(data, trusted=["builtins.len"])


def test_trusted_must_be_a_flag_or_a_list_of_names(store, fitted):
    from jupyter_mlops.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="trusted"):
        mlops.register_model("m", fitted, trusted="numpy.log1p")
    with pytest.raises(InvalidArgument, match="trusted"):
        mlops.register_model("m", fitted, trusted=[1])
    with pytest.raises(UntrustedModel, match="trusted=True"):
        mlops.register_model("m", fitted, format="pickle", trusted=["builtins.eval"])
    assert mlops.list_models().empty
