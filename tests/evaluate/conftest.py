"""A churn-like holdout with slice columns, and two logistic models to compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression


def churn_frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    segment = rng.choice(["smb", "enterprise", "consumer"], size=n)
    region = rng.choice(["eu", "us"], size=n)
    logit = 1.5 * x1 - x2 + (segment == "smb") * 0.5
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {"x1": x1, "x2": x2, "segment": segment, "region": region, "churned": churned}
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return churn_frame()


@pytest.fixture
def model(frame: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression().fit(frame[["x1", "x2"]], frame["churned"])


@pytest.fixture
def make_frame():
    return churn_frame
