"""``jupyter mlops predict REF INPUT -o OUTPUT`` in-process with click's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main


@pytest.fixture
def scored(store, tmp_path):
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x0": rng.normal(size=400), "x1": rng.normal(size=400)})
    model = LinearRegression().fit(X, X.x0 - X.x1)
    mlops.register_model("reg", model)
    mlops.set_alias("reg", "production", 1)
    X.to_parquet(tmp_path / "in.parquet")
    return model, X


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_predict_writes_the_output_and_exits_0(scored, tmp_path):
    model, X = scored
    res = cli("predict", "reg@production", tmp_path / "in.parquet", "-o", tmp_path / "out.csv",
              "--chunk-rows", 150, "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["rows"], out["chunks"], out["version"], len(out["windows"])) == (400, 3, 1, 3)
    frame = pd.read_csv(tmp_path / "out.csv")
    np.testing.assert_allclose(frame.prediction, model.predict(X))
    assert mlops.get_run(out["run_id"]).info.status.value == "FINISHED"


def test_predict_no_log_and_the_text_summary(scored, tmp_path):
    res = cli("predict", "reg/1", tmp_path / "in.parquet", "-o", tmp_path / "o.parquet", "--no-log")
    assert res.exit_code == 0, res.output
    assert "400 rows scored by reg/1" in res.output and "0 window(s)" in res.output
    assert mlops.list_windows("reg") == []


@pytest.mark.parametrize(
    "setup, args, named",
    [
        (lambda p: (p / "in.json").write_text("{}"), ["in.json", "-o", "out.parquet"], "data"),
        (None, ["in.parquet", "-o", "out.xlsx"], "output"),
        (
            lambda p: pd.DataFrame({"x0": [1.0]}).to_parquet(p / "in.parquet"),
            ["in.parquet", "-o", "out.parquet"],
            "missing column(s) x1",
        ),
        (
            lambda p: pd.DataFrame({"x0": [1.0], "x1": ["a"]}).to_csv(p / "in.parquet.csv"),
            ["in.parquet.csv", "-o", "out.parquet"],
            "'x1' of type double",
        ),
        (None, ["in.parquet", "-o", "out.parquet", "--id-column", "nope"], "id_column"),
    ],
)
def test_bad_input_exits_2_naming_it_and_writes_nothing(scored, tmp_path, setup, args, named):
    if setup is not None:
        setup(tmp_path)
    args = [tmp_path / a if i == 0 or a.startswith("out") else a for i, a in enumerate(args)]
    res = cli("predict", "reg@production", *args)
    assert res.exit_code == 2, res.output
    assert named in res.output
    assert not any(p.name.startswith(("out", ".mlops-predict")) for p in tmp_path.iterdir())
    assert mlops.search_runs().empty
