"""Reading windows back: rows, labels joined by id, a batch window's inputs from its snapshot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, NotFound


def test_labels_never_overwrite_an_input_column_called_label(store, tmp_path):
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"label": rng.normal(size=30), "x": rng.normal(size=30)})
    mlops.register_model("m", LinearRegression().fit(frame, frame.label + frame.x))
    scored = mlops.predict("m/1", frame)
    mlops.log_labels("m", scored.prediction_id.tolist(), [7.0] * 30)
    window = mlops.list_windows("m")[0]
    rows = mlops.load_window(window, labels=True)
    np.testing.assert_allclose(rows["label"], frame.label)  # the input, as scored
    assert rows.attrs["label_column"] == "label_" and rows["label_"].tolist() == [7.0] * 30
    assert mlops.load_window(window, labels=True, inputs=False).attrs["label_column"] == "label"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"source": "bogus"}, "source"),
        ({"limit": -1}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "3"}, "limit"),
        ({"version": "1"}, "version"),
        ({"version": 0}, "version"),
        ({"alias": 3}, "alias"),
    ],
)
def test_bad_filters_are_refused_by_name(regressor, kwargs, argument):
    with pytest.raises(InvalidArgument) as err:
        mlops.list_windows("reg", **kwargs)
    assert err.value.argument == argument


def test_an_unknown_model_is_not_found_rather_than_no_windows(regressor):
    assert mlops.list_windows("reg") == [] and mlops.list_windows("reg@gone") == []
    with pytest.raises(NotFound, match="regg"):
        mlops.list_windows("regg")
