"""A registered regressor and classifier to log predictions of."""

from __future__ import annotations

import numpy as np
import pytest


class Clock:
    """A clock tests move by hand: windows close by time without sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def regressor(store):
    """``reg``: y = x0 + 2 x1, registered as version 1 with alias production."""
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    import jupyter_mlops as mlops

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x0": rng.normal(size=50), "x1": rng.normal(size=50)})
    model = LinearRegression().fit(X, X.x0 + 2 * X.x1)
    mlops.register_model("reg", model)
    mlops.set_alias("reg", "production", 1)
    return model


@pytest.fixture
def classifier(store):
    """``clf``: a classifier of classes 0 and 1."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    model = LogisticRegression().fit(X, (X.a > 0).astype(int))
    mlops.register_model("clf", model)
    mlops.set_alias("clf", "production", 1)
    return model
