"""Batch scoring: files and frames in bounded chunks, recorded as a run, logged as windows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.monitor import batch, batch_scoring


def _frame(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x0": rng.normal(size=n), "x1": rng.normal(size=n)})


def _runs() -> pd.DataFrame:
    return mlops.search_runs()


def test_parquet_in_and_out_equal_the_models_own_predict(regressor, tmp_path):
    df = _frame(2_500)
    df.to_parquet(tmp_path / "in.parquet")
    res = mlops.predict("reg@production", tmp_path / "in.parquet", tmp_path / "out.parquet",
                        chunk_rows=1000)  # fmt: skip
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["x0", "x1", "prediction", "prediction_id"]
    np.testing.assert_allclose(out.prediction, regressor.predict(df))
    assert out.prediction_id.is_unique and len(out) == 2_500
    assert (res.rows, res.chunks, res.version, res.output) == (
        2_500,
        3,
        1,
        str(tmp_path / "out.parquet"),
    )
    assert "2,500 rows in 3 chunk(s)" in repr(res)


def test_csv_in_and_out_equal_the_models_own_predict(classifier, tmp_path):
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"id": np.arange(700), "a": rng.normal(size=700), "b": rng.normal(size=700)})
    df.to_csv(tmp_path / "in.csv", index=False)
    mlops.predict("clf@production", str(tmp_path / "in.csv"), str(tmp_path / "out.csv"),
                  id_column="id", chunk_rows=300)  # fmt: skip
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["id", "prediction", "prediction_id"]
    assert out.id.tolist() == list(range(700))
    assert out.prediction.tolist() == classifier.predict(df[["a", "b"]]).tolist()


def test_chunks_are_bounded_and_give_the_same_output(regressor, tmp_path):
    df = _frame(10_000)
    df.to_parquet(tmp_path / "in.parquet", row_group_size=3_333)
    seen = []
    real = batch_scoring.ScoringModel.score

    def spy(self, chunk):
        seen.append(chunk.num_rows)
        return real(self, chunk)

    batch_scoring.ScoringModel.score = spy
    try:
        res = mlops.predict(
            "reg/1", tmp_path / "in.parquet", tmp_path / "a.parquet", chunk_rows=1000
        )
    finally:
        batch_scoring.ScoringModel.score = real
    mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "b.parquet", chunk_rows=100_000)
    assert seen == [1000] * 10 and res.chunks == 10
    a, b = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    pd.testing.assert_series_equal(a.prediction, b.prediction)
    assert len(pq.ParquetFile(tmp_path / "a.parquet").metadata.to_dict()["row_groups"]) == 10


def test_the_run_records_the_input_snapshot_and_the_output_artifact(regressor, tmp_path):
    _frame(500).to_parquet(tmp_path / "in.parquet")
    res = mlops.predict("reg@production", tmp_path / "in.parquet", tmp_path / "out.parquet")
    run = mlops.get_run(res.run_id)
    assert run.info.status.value == "FINISHED" and run.info.experiment == batch.EXPERIMENT
    assert run.params["model"] == "reg@production" and run.params["rows"] == "500"
    snaps = mlops.snapshots_of_run(res.run_id)
    assert [s.ref for s in snaps] == [res.input_snapshot] and snaps[0].n_rows == 500
    assert [a.name for a in mlops.list_artifacts(res.run_id)] == ["out.parquet"]
    stored = pq.read_table(pa.BufferReader(mlops.load_artifact(res.run_id, "out.parquet")))
    assert stored.num_rows == 500


def test_a_large_output_is_recorded_by_reference(regressor, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "OUTPUT_COPY_LIMIT", 10)
    monkeypatch.setattr(batch, "INPUT_COPY_LIMIT", 10)
    _frame(500).to_parquet(tmp_path / "in.parquet")
    res = mlops.predict("reg@production", tmp_path / "in.parquet", tmp_path / "out.parquet")
    assert [a.name for a in mlops.list_artifacts(res.run_id)] == ["out.parquet.ref.json"]
    ref = json.loads(mlops.load_artifact(res.run_id, "out.parquet.ref.json"))
    assert ref["rows"] == 500 and ref["bytes"] == (tmp_path / "out.parquet").stat().st_size
    assert mlops.snapshots_of_run(res.run_id)[0].storage == "reference"


def test_windows_of_source_batch_with_ids_joinable_by_log_labels(regressor, tmp_path):
    _frame(2_500).to_parquet(tmp_path / "in.parquet")
    res = mlops.predict("reg@production", tmp_path / "in.parquet", tmp_path / "out.parquet",
                        chunk_rows=1000)  # fmt: skip
    windows = mlops.list_windows("reg", source="batch")
    assert [w.id for w in windows] == list(res.window_ids)
    assert [w.n_rows for w in windows] == [1000, 1000, 500]
    assert {(w.alias, w.version) for w in windows} == {("production", 1)}
    out = pd.read_parquet(tmp_path / "out.parquet")
    done = mlops.log_labels("reg", out.prediction_id.tolist()[:10], [1.0] * 10)
    assert done.added == 10
    rows = mlops.load_window(windows[0].id, labels=True)
    assert rows.prediction_id.tolist() == out.prediction_id.tolist()[:1000]


def test_no_log_writes_no_window(regressor, tmp_path):
    _frame(100).to_parquet(tmp_path / "in.parquet")
    res = mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "o.parquet", log=False)
    assert res.window_ids == () and mlops.list_windows("reg") == []


def test_a_frame_comes_back_with_predictions_and_ids(regressor):
    df = _frame(300)
    df.index = df.index + 10
    out = mlops.predict("reg@production", df, chunk_rows=128)
    assert list(out.index) == list(df.index) and list(out.columns) == ["x0", "x1", *batch.ADDED]
    np.testing.assert_allclose(out.prediction, regressor.predict(df))
    res = out.attrs["batch_prediction"]
    assert res.chunks == 3 and len(res.window_ids) == 3
    assert mlops.snapshots_of_run(res.run_id)[0].n_rows == 300


def _nothing_left(tmp_path) -> None:
    assert _runs().empty
    assert not any(p.name.startswith(("out", ".mlops-predict")) for p in tmp_path.iterdir())


@pytest.mark.parametrize("name", ["in.json", "in.txt", "in"])
def test_a_file_that_is_not_parquet_or_csv_is_refused(regressor, tmp_path, name):
    (tmp_path / name).write_text("{}")
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", tmp_path / name, tmp_path / "out.parquet")
    assert (
        err.value.argument == "data" and ".parquet" in str(err.value) and ".csv" in str(err.value)
    )
    _nothing_left(tmp_path)


def test_an_output_that_is_not_parquet_or_csv_is_refused(regressor, tmp_path):
    _frame(10).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "out.xlsx")
    assert err.value.argument == "output"
    _nothing_left(tmp_path)


def test_a_missing_column_is_named_and_nothing_is_written(regressor, tmp_path):
    _frame(10)[["x0"]].to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidArgument, match="missing column.* x1"):
        mlops.predict("reg@production", tmp_path / "in.parquet", tmp_path / "out.parquet")
    _nothing_left(tmp_path)
    assert mlops.list_windows("reg") == []


def test_an_empty_file_is_refused_before_a_run(regressor, tmp_path):
    _frame(0).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidArgument, match="at least one row"):
        mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "out.parquet")
    _nothing_left(tmp_path)


def test_a_wrong_dtype_is_named(regressor, tmp_path):
    df = _frame(10)
    df["x1"] = "high"
    df.to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(InvalidArgument, match="'x1' of type double"):
        mlops.predict("reg@production", tmp_path / "in.csv", tmp_path / "out.csv")
    assert _runs().empty and not (tmp_path / "out.csv").exists()


def test_a_bad_value_past_the_first_block_fails_the_run_and_leaves_no_output(regressor, tmp_path):
    lines = ["x0,x1"] + [f"{i}.5,1.0" for i in range(200_000)] + ["oops,1.0"]
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidArgument, match="invalid value 'oops'"):
        mlops.predict("reg/1", tmp_path / "in.csv", tmp_path / "out.csv", log=False)
    runs = _runs()
    assert runs.status.tolist() == ["FAILED"]
    assert not any(p.name.startswith(("out", ".mlops-predict")) for p in tmp_path.iterdir())


def test_bad_chunk_rows_and_a_file_without_output(regressor, tmp_path):
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", _frame(5), chunk_rows=0)
    assert err.value.argument == "chunk_rows"
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", tmp_path / "in.parquet")
    assert err.value.argument == "output"


def test_batch_windows_and_labels_on_sqlite_and_postgresql(any_store, tmp_path):
    from sklearn.linear_model import LinearRegression

    df = _frame(1_200)
    mlops.register_model("reg", LinearRegression().fit(df, df.x0 - df.x1))
    out = mlops.predict("reg/1", df, chunk_rows=500)
    res = out.attrs["batch_prediction"]
    assert [w.n_rows for w in mlops.list_windows("reg", source="batch")] == [500, 500, 200]
    assert (
        mlops.log_labels("reg", out.prediction_id.tolist(), out.prediction.tolist()).added == 1_200
    )
    assert sum(w.n_labels for w in mlops.list_windows("reg")) == 1_200 and res.rows == 1_200


@pytest.mark.parametrize("limit", [batch.INPUT_COPY_LIMIT, 10], ids=["copy", "reference"])
def test_a_batch_window_reads_its_inputs_from_the_input_snapshot(
    regressor, tmp_path, monkeypatch, limit
):
    monkeypatch.setattr(batch, "INPUT_COPY_LIMIT", limit)
    df = _frame(2_500).assign(other=np.arange(2_500.0))
    df.to_parquet(tmp_path / "in.parquet", row_group_size=700)
    res = mlops.predict("reg@production", tmp_path / "in.parquet", tmp_path / "out.parquet",
                        chunk_rows=1000)  # fmt: skip
    out = pd.read_parquet(tmp_path / "out.parquet")
    second = mlops.list_windows("reg", source="batch")[1]
    own = pq.read_schema(mlops.get_store().blobs.open(second.data_digest))
    assert own.names == ["prediction", "prediction_id", "timestamp"]  # no copy of the inputs
    rows = mlops.load_window(second)
    assert list(rows.columns) == ["x0", "x1", "prediction", "prediction_id", "timestamp"]
    pd.testing.assert_frame_equal(
        rows[["x0", "x1", "prediction", "prediction_id"]],
        out.iloc[1000:2000][["x0", "x1", "prediction", "prediction_id"]].reset_index(drop=True),
    )
    assert mlops.snapshots_of_run(res.run_id)[0].storage == ("copy" if limit > 10 else "reference")
    assert list(mlops.load_window(second, inputs=False).columns) == list(own.names)


def test_a_batch_that_fails_at_the_end_leaves_no_window(regressor, tmp_path, monkeypatch):
    from jupyter_mlops.store import monitoring

    _frame(2_000).to_parquet(tmp_path / "in.parquet")
    real = monitoring.write_windows

    def fail_after_the_first(store, windows):
        real(store, [windows[0], (windows[1][0], windows[0][1])])  # a clashing id range

    monkeypatch.setattr(monitoring, "write_windows", fail_after_the_first)
    with pytest.raises(mlops.errors.Conflict):
        mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "out.parquet", chunk_rows=500)
    assert mlops.list_windows("reg") == [] and not (tmp_path / "out.parquet").exists()


def test_the_output_file_gets_the_umasks_mode_not_a_private_temp_files(regressor, tmp_path):
    import os
    import stat

    _frame(50).to_parquet(tmp_path / "in.parquet")
    old = os.umask(0o022)
    try:
        mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "out.parquet")
        mlops.predict("reg/1", tmp_path / "in.parquet", tmp_path / "out.csv")
    finally:
        os.umask(old)
    for name in ("out.parquet", "out.csv"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o644, name


@pytest.mark.parametrize("limit", [batch.INPUT_COPY_LIMIT, 0], ids=["copy", "reference"])
def test_an_output_that_is_the_input_is_refused_before_a_run(
    regressor, tmp_path, monkeypatch, limit
):
    # A large input is kept by reference: overwriting it would lose the windows' inputs.
    monkeypatch.setattr(batch, "INPUT_COPY_LIMIT", limit)
    _frame(30).to_parquet(tmp_path / "in.parquet")
    before = (tmp_path / "in.parquet").read_bytes()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", "in.parquet", tmp_path / "." / "in.parquet")
    assert err.value.argument == "output" and "input" in str(err.value)
    assert (tmp_path / "in.parquet").read_bytes() == before
    assert len(_runs()) == 0 and mlops.list_windows("reg") == []


def test_a_missing_value_the_model_cannot_take_is_named_not_a_library_traceback(
    regressor, tmp_path
):
    lines = ["x0,x1"] + [f"{i}.5,1.0" for i in range(30)] + ["2.5,", "1.0,1.0"]
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", tmp_path / "in.csv", tmp_path / "out.csv", chunk_rows=10)
    assert err.value.argument == "data" and "'x1'" in str(err.value) and "row 30" in str(err.value)
    assert _runs().status.tolist() == ["FAILED"] and mlops.list_windows("reg") == []
    assert not any(p.name.startswith(("out", ".mlops-predict")) for p in tmp_path.iterdir())


def test_a_chunk_the_model_refuses_is_named_with_its_rows(regressor, tmp_path):
    df = _frame(25)
    df.loc[17, "x0"] = np.inf  # not a missing value: only the model refuses it
    with pytest.raises(InvalidArgument) as err:
        mlops.predict("reg/1", df, chunk_rows=10)
    assert err.value.argument == "data" and "rows 10 to 19" in str(err.value)
    assert "infinity" in str(err.value).lower()
    assert _runs().status.tolist() == ["FAILED"] and mlops.list_windows("reg") == []
