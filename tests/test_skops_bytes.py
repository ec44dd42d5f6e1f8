"""skops dumps in canonical form: repeatable bytes, loadable, shared references kept."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import skops.io as sio

from jupyter_mlops.skops_bytes import dumps

FIT = """
import sys
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from jupyter_mlops.skops_bytes import dumps
padding = [object() for _ in range(int(sys.argv[1]))]  # other memory addresses
X, y = load_iris(return_X_y=True)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
sys.stdout.write(dumps(model).hex())
"""


def _dump_in_process(padding: int) -> bytes:
    out = subprocess.run(
        [sys.executable, "-c", FIT, str(padding)], capture_output=True, text=True, check=True
    )
    return bytes.fromhex(out.stdout)


def test_the_same_model_gives_the_same_bytes_across_processes():
    first, second = _dump_in_process(1), _dump_in_process(10_000)
    assert first == second
    from sklearn.datasets import load_iris

    X, _ = load_iris(return_X_y=True)
    model = sio.loads(first, trusted=sio.get_untrusted_types(data=first))
    assert model.predict(X[:5]).tolist() == [0, 0, 0, 0, 0]


def test_skops_own_output_differs_so_the_canonical_form_is_needed():
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(np.arange(10.0).reshape(-1, 1), np.arange(10.0))
    copy = LinearRegression().fit(np.arange(10.0).reshape(-1, 1), np.arange(10.0))
    assert sio.dumps(model) != sio.dumps(copy)
    assert dumps(model) == dumps(copy)


def test_shared_references_survive():
    shared = np.arange(5.0)
    data = dumps({"a": shared, "b": shared, "c": np.ones(3)})
    out = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert out["a"] is out["b"]
    assert out["c"].tolist() == [1.0, 1.0, 1.0]
