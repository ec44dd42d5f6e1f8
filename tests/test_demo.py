"""``make demo``'s summary of the store: runs by experiment, snapshots, models, pipelines."""

from __future__ import annotations

import pandas as pd
from sklearn.linear_model import LogisticRegression

import jupyter_mlops as mlops
from jupyter_mlops.demo import main, summary


def test_summary_names_what_the_store_holds(mlops_home):
    assert summary() == ["runs: 0", "snapshots: none", "pipelines: none"]
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 1, 0, 1]})
    with mlops.start_run("fit", experiment="demo-test"):
        mlops.snapshot(frame, "train")
        model = LogisticRegression().fit(frame[["x"]], frame["y"])
        mlops.register_model("clf", model)
    mlops.start_run("broken", experiment="demo-test").end(status="FAILED")
    lines = summary()
    assert lines[0] == "runs: 2"
    assert lines[1].split() == ["demo-test", "1", "failed,", "1", "finished"]
    assert "snapshots: train@1" in lines
    assert "model clf: 1 versions, no aliases" in lines
    assert not any(line.startswith("monitors") for line in lines)
    mlops.set_alias("clf", "production", 1)
    mlops.monitor("watch", model="clf@production", reference="train@latest")
    assert "monitors: watch (clf@production, 0 windows checked, 0 alerts)" in summary()


def test_a_folder_without_example_notebooks_fails(tmp_path, capsys):
    assert main([str(tmp_path)]) == 1
    assert "no example notebooks" in capsys.readouterr().err
