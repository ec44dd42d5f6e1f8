"""Bad input is refused with a clear error naming what is wrong, or handled as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jupyter_mlops.data.frames import read_file, schema_of, to_table
from jupyter_mlops.errors import InvalidArgument


def test_accepts_pandas_series_and_arrow(frame):
    assert to_table(frame).column_names == list(frame.columns)
    assert to_table(frame["x"]).column_names == ["x"]
    assert to_table(pd.Series([1, 2])).column_names == ["value"]
    t = pa.table({"a": [1, 2]})
    assert to_table(t) is t
    assert to_table(t.to_batches()[0]).num_rows == 2


def test_polars_when_installed():
    pl = pytest.importorskip("polars")
    assert to_table(pl.DataFrame({"a": [1, 2]})).column_names == ["a"]


def test_empty_frame_is_refused():
    with pytest.raises(InvalidArgument, match="at least one row"):
        to_table(pd.DataFrame({"a": []}))
    with pytest.raises(InvalidArgument, match="at least one column"):
        to_table(pd.DataFrame())


def test_mixed_type_object_column_names_the_column():
    df = pd.DataFrame({"ok": [1, 2, 3], "mixed": pd.Series([1, "a", 2.5], dtype=object)})
    with pytest.raises(InvalidArgument, match=r"data\['mixed'\].*one type.*astype\(str\)"):
        to_table(df)


def test_unhashable_cells_become_nested_columns_or_a_clear_error():
    df = pd.DataFrame({"lists": [[1, 2], [3], None], "dicts": [{"a": 1}, None, {"a": 2}]})
    schema = {c["name"]: c for c in schema_of(to_table(df))}
    assert schema["lists"]["kind"] == "other" and schema["dicts"]["kind"] == "other"
    with pytest.raises(InvalidArgument, match="lists_and_ints"):
        to_table(pd.DataFrame({"lists_and_ints": pd.Series([[1], 2, "x"], dtype=object)}))


def test_duplicate_column_names_are_refused():
    df = pd.DataFrame(np.zeros((2, 2)), columns=["a", "a"])
    with pytest.raises(InvalidArgument, match="unique column names"):
        to_table(df)
    # names are compared as strings: 1 and "1" collide
    with pytest.raises(InvalidArgument, match="unique"):
        to_table(pd.DataFrame({1: [1], "1": [2]}))


def test_non_string_column_names_become_strings():
    t = to_table(pd.DataFrame(np.zeros((3, 2))))
    assert t.column_names == ["0", "1"]


def test_multiindex_columns_are_refused_with_a_hint():
    df = pd.DataFrame(np.zeros((2, 2)), columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    with pytest.raises(InvalidArgument, match="MultiIndex.*flatten"):
        to_table(df)


def test_all_null_column_is_kept_as_null_kind():
    t = to_table(pd.DataFrame({"a": [1, 2], "n": [None, None]}))
    assert schema_of(t)[1] == {"name": "n", "type": "null", "kind": "null", "nullable": True}


def test_wrong_type_is_refused():
    with pytest.raises(InvalidArgument, match="pandas DataFrame"):
        to_table([1, 2, 3])


def test_read_file_csv_parquet_and_bad_paths(tmp_path, frame):
    frame.to_csv(tmp_path / "f.csv", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    assert read_file(str(tmp_path / "f.csv")).num_rows == len(frame)
    assert read_file(str(tmp_path / "f.parquet")).column_names == list(frame.columns)
    with pytest.raises(InvalidArgument, match="existing"):
        read_file(str(tmp_path / "missing.csv"))
    (tmp_path / "f.xlsx").write_text("x")
    with pytest.raises(InvalidArgument, match=".csv"):
        read_file(str(tmp_path / "f.xlsx"))
