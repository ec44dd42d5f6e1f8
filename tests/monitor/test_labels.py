"""Late labels: joined by prediction id, all or none, typed by the model's output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.errors import Conflict, InvalidArgument, NotFound
from jupyter_mlops.monitor import InferenceLog, UnknownPredictions


def logged(model: str, columns: dict[str, list], predictions: list) -> list[str]:
    """Rows written to one closed window of ``model``; their prediction ids."""
    log = InferenceLog(model, tick=0.01)
    log.describe(1, list(columns))
    ids = log.ids.take(len(predictions))
    log.record(columns, predictions, ids, 1, "production")
    log.close()
    return ids


@pytest.fixture
def reg_ids(regressor):
    return logged("reg", {"x0": [1.0, 2.0, 3.0], "x1": [0.0, 0.0, 1.0]}, [1.0, 2.0, 5.0])


@pytest.fixture
def clf_ids(classifier):
    return logged("clf", {"a": [1.0, -1.0], "b": [0.0, 0.0]}, [1, 0])


def labels_of(model: str) -> dict:
    (w,) = mlops.list_windows(model)
    frame = mlops.load_window(w.id, labels=True)
    return dict(zip(frame["prediction_id"], frame["label"]))


def test_labels_join_to_the_logged_rows(reg_ids):
    done = mlops.log_labels("reg", reg_ids[:2], [1.5, 2])
    assert (done.added, done.replaced) == (2, 0)
    assert labels_of("reg") == {reg_ids[0]: 1.5, reg_ids[1]: 2, reg_ids[2]: None}
    assert mlops.list_windows("reg")[0].n_labels == 2


def test_a_frame_with_id_and_label_columns(clf_ids):
    frame = pd.DataFrame({"pid": clf_ids, "truth": [1, 1]})
    mlops.log_labels("clf@production", frame, id_column="pid", label_column="truth")
    assert labels_of("clf") == {clf_ids[0]: 1, clf_ids[1]: 1}
    with pytest.raises(InvalidArgument, match="label_column"):
        mlops.log_labels("clf", frame, id_column="pid")


def test_unknown_ids_are_counted_and_nothing_is_applied(reg_ids):
    with pytest.raises(UnknownPredictions) as err:
        mlops.log_labels("reg", [reg_ids[0], "f" * 31, "e" * 31], [1.0, 2.0, 3.0])
    assert err.value.unknown == 2 and "2 of 3 ids" in str(err.value)
    assert isinstance(err.value, NotFound)
    assert set(labels_of("reg").values()) == {None}


def test_duplicate_ids_in_one_call_are_refused(reg_ids):
    with pytest.raises(InvalidArgument, match="ids.*each id once"):
        mlops.log_labels("reg", [reg_ids[0], reg_ids[0]], [1.0, 2.0])
    assert set(labels_of("reg").values()) == {None}


def test_a_second_label_needs_replace(reg_ids):
    mlops.log_labels("reg", reg_ids[:1], [1.0])
    with pytest.raises(Conflict, match="replace=True"):
        mlops.log_labels("reg", reg_ids[:2], [9.0, 9.0])
    assert labels_of("reg")[reg_ids[1]] is None  # not half-applied
    done = mlops.log_labels("reg", reg_ids[:2], [9.0, 8.0], replace=True)
    assert (done.added, done.replaced) == (1, 1)
    assert labels_of("reg")[reg_ids[0]] == 9.0


@pytest.mark.parametrize("bad", ["high", True, None, float("nan"), float("inf")])
def test_labels_of_the_wrong_type_for_a_regressor(reg_ids, bad):
    with pytest.raises(InvalidArgument, match="labels"):
        mlops.log_labels("reg", reg_ids[:2], [1.0, bad])
    assert set(labels_of("reg").values()) == {None}


def test_labels_of_the_wrong_type_for_a_classifier(clf_ids):
    with pytest.raises(InvalidArgument, match="labels.*classes"):
        mlops.log_labels("clf", clf_ids, ["yes", "no"])
    mlops.log_labels("clf", clf_ids, [1.0, 0.0])  # a CSV column with floats: integral is fine
    assert labels_of("clf") == {clf_ids[0]: 1, clf_ids[1]: 0}


def test_bad_arguments_name_themselves(reg_ids):
    with pytest.raises(InvalidArgument, match="labels"):
        mlops.log_labels("reg", reg_ids, [1.0])
    with pytest.raises(InvalidArgument, match="ids"):
        mlops.log_labels("reg", [], [])
    with pytest.raises(InvalidArgument, match="ids"):
        mlops.log_labels("reg", [1, 2], [1.0, 2.0])
    with pytest.raises(NotFound, match="nobody"):
        mlops.log_labels("nobody", reg_ids[:1], [1.0])


def test_cli_labels_add_reads_a_file(reg_ids, tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame({"id": reg_ids, "label": [1.0, 2.0, 3.0]}).to_csv(path, index=False)
    res = CliRunner().invoke(main, ["labels", "add", "reg", str(path)])
    assert res.exit_code == 0, res.output
    assert "3 added, 0 replaced" in res.output
    res = CliRunner().invoke(main, ["labels", "add", "reg", str(path)])
    assert res.exit_code == 2 and "replace" in res.output
    res = CliRunner().invoke(main, ["labels", "add", "reg", str(path), "--replace", "--json"])
    assert res.exit_code == 0 and '"replaced": 3' in res.output
    other = tmp_path / "other.parquet"
    pd.DataFrame({"pid": ["f" * 31], "y": [1.0]}).to_parquet(other)
    res = CliRunner().invoke(
        main, ["labels", "add", "reg", str(other), "--id-column", "pid", "--label-column", "y"]
    )
    assert res.exit_code == 2 and "1 of 1 ids" in res.output


def test_predicts_output_with_a_label_column_is_taken_as_it_is(regressor, tmp_path):
    # The batch output names its ids prediction_id: labels added beside them need no option.
    rng = np.random.default_rng(5)
    pd.DataFrame({"x0": rng.normal(size=40), "x1": rng.normal(size=40)}).to_parquet(
        tmp_path / "in.parquet"
    )
    mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "out.parquet")
    scored = pd.read_parquet(tmp_path / "out.parquet")
    assert mlops.log_labels("reg", scored.iloc[:10].assign(label=1.0)).added == 10
    scored.iloc[10:20].assign(label=2.0).to_csv(tmp_path / "labels.csv", index=False)
    res = CliRunner().invoke(main, ["labels", "add", "reg", str(tmp_path / "labels.csv")])
    assert res.exit_code == 0, res.output
    assert sum(w.n_labels for w in mlops.list_windows("reg")) == 20
    with pytest.raises(InvalidArgument) as err:
        mlops.log_labels("reg", scored[["x0"]].assign(label=1.0))
    assert err.value.argument == "id_column" and "prediction_id" in str(err.value)


def test_ids_sampled_out_of_the_log_are_skipped_and_counted(regressor, tmp_path):
    # The server returns an id for every row, also the rows sampled out of the log.
    log = InferenceLog("reg", tick=0.01)
    log.describe(1, ["x0", "x1"])
    ids = log.ids.take(5)
    log.record({"x0": [1.0, 3.0, 5.0], "x1": [0.0, 0.0, 0.0]}, [1.0, 3.0, 5.0],
               [ids[0], ids[2], ids[4]], 1, "production")  # fmt: skip
    log.close()
    done = mlops.log_labels("reg", ids, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert (done.added, done.replaced, done.skipped) == (3, 0, 2)
    assert labels_of("reg") == {ids[0]: 1.0, ids[2]: 3.0, ids[4]: 5.0}
    path = tmp_path / "labels.csv"
    pd.DataFrame({"id": ids, "label": [1.0, 2.0, 3.0, 4.0, 5.0]}).to_csv(path, index=False)
    res = CliRunner().invoke(main, ["labels", "add", "reg", str(path), "--replace"])
    assert res.exit_code == 0, res.output
    assert "0 added, 3 replaced, 2 skipped (not in the log" in res.output
    res = CliRunner().invoke(main, ["labels", "add", "reg", str(path), "--replace", "--json"])
    assert '"skipped": 2' in res.output
