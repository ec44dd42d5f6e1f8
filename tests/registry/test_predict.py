"""The predictor picks an array for numeric inputs and a DataFrame when the model needs one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.registry.predict import Predictor
from jupyter_mlops.registry.signature import PayloadError, infer_signature, parse_payload


def test_numeric_model_uses_an_array_in_fitted_column_order(fitted, cancer):
    X, _ = cancer
    predictor = Predictor(fitted, infer_signature(fitted))
    assert predictor.use_array and predictor.finite
    rows = X.head(8)
    shuffled = rows[list(reversed(rows.columns))].to_dict(
        orient="records"
    )  # key order is irrelevant
    out = predictor.predict(parse_payload(shuffled, predictor.signature))
    assert out == fitted.predict(rows).tolist()
    proba = predictor.predict(parse_payload(shuffled, predictor.signature), proba=True)
    np.testing.assert_allclose(proba, fitted.predict_proba(rows))


def test_string_columns_go_through_a_dataframe():
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X = pd.DataFrame({"city": ["a", "b", "a", "c"] * 5, "n": list(range(20))})
    y = [0, 1, 0, 1] * 5
    model = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["city"]), remainder="passthrough"
        ),
        LogisticRegression(),
    ).fit(X, y)
    predictor = Predictor(model, infer_signature(model, X))
    assert not predictor.use_array
    records = X.head(4).to_dict(orient="records")
    assert (
        predictor.predict(parse_payload(records, predictor.signature))
        == model.predict(X.head(4)).tolist()
    )


def test_nullable_inputs_reach_a_model_that_handles_nan():
    from sklearn.ensemble import HistGradientBoostingRegressor

    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0] * 10, "b": np.arange(40.0)})
    model = HistGradientBoostingRegressor(max_iter=5).fit(X, np.arange(40.0))
    predictor = Predictor(model, infer_signature(model, X))
    assert predictor.use_array and not predictor.finite
    out = predictor.predict(parse_payload([{"a": None, "b": 2.0}], predictor.signature))
    assert out == pytest.approx(model.predict(pd.DataFrame({"a": [np.nan], "b": [2.0]})).tolist())


def test_proba_on_a_regressor_is_a_payload_error(store):
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(np.arange(10.0).reshape(5, 2), np.arange(5.0))
    predictor = Predictor(model, infer_signature(model))
    with pytest.raises(PayloadError, match="does not give probabilities"):
        predictor.predict({"x0": [1.0], "x1": [2.0]}, proba=True)
