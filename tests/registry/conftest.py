"""Fitted scikit-learn models and a helper that trains, logs and registers a version."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cancer():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="session")
def fitted(cancer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = cancer
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)


@pytest.fixture(scope="session")
def constant(cancer):
    """A second, different model: always predicts class 1."""
    from sklearn.dummy import DummyClassifier

    X, y = cancer
    return DummyClassifier(strategy="constant", constant=1).fit(X, y)


@pytest.fixture
def train(fitted):
    """``train(name, model=None, **metrics)``: a run logging metrics, registering the model."""
    import jupyter_mlops as mlops

    def run(name: str, model=None, **metrics):
        with mlops.start_run(f"train-{name}", capture_context=False):
            mlops.log_metrics(metrics)
            return mlops.register_model(name, model if model is not None else fitted)

    return run
