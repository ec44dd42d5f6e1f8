"""Turn what a user hands us (pandas, pyarrow, polars) into one checked Arrow table.

Every data function goes through :func:`to_table`, so the rules are the same
for snapshots, validation and drift:

- pandas ``DataFrame`` and ``Series``, pyarrow ``Table`` and ``RecordBatch``,
  and polars frames (when polars is installed) are accepted;
- the pandas index is not part of the data (``reset_index()`` first to keep it);
- column names must be unique strings; non-string names (``0, 1, 2`` from a
  numpy array) are turned into strings, MultiIndex columns are refused with a
  hint to flatten them;
- a column whose values have no common type (``[1, "a", 2.5]``) is refused,
  naming the column, rather than silently cast.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidArgument

NUMERIC = "numeric"
DATETIME = "datetime"
CATEGORICAL = "categorical"
NULL = "null"
OTHER = "other"


def column_kind(dtype: pa.DataType) -> str:
    """How a column is profiled and compared: numeric, datetime, categorical, null or other."""
    t = pa.types
    if t.is_dictionary(dtype):
        return CATEGORICAL
    if t.is_boolean(dtype) or t.is_string(dtype) or t.is_large_string(dtype):
        return CATEGORICAL
    if t.is_integer(dtype) or t.is_floating(dtype) or t.is_decimal(dtype):
        return NUMERIC
    if t.is_timestamp(dtype) or t.is_date(dtype) or t.is_duration(dtype) or t.is_time(dtype):
        return DATETIME
    if t.is_null(dtype):
        return NULL
    return OTHER


def _column_names(columns: pd.Index) -> list[str]:
    if isinstance(columns, pd.MultiIndex):
        raise InvalidArgument(
            "data.columns",
            "one level of column names",
            f"a MultiIndex with {columns.nlevels} levels",
            hint="flatten it first, e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns]",
        )
    names = [c if isinstance(c, str) else str(c) for c in columns]
    _check_unique(names)
    return names


def _check_unique(names: list[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({n for n in names if n in seen or seen.add(n)})
    if dupes:
        raise InvalidArgument(
            "data.columns",
            "unique column names",
            dupes,
            hint="rename the duplicates (names are compared as strings)",
        )


def _series_to_array(name: str, series: pd.Series) -> pa.ChunkedArray:
    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        kinds = sorted({type(v).__name__ for v in series.dropna().head(1000)})
        raise InvalidArgument(
            f"data[{name!r}]",
            "values of one type per column",
            f"a column mixing {', '.join(kinds)}",
            hint=f"cast it first, e.g. df[{name!r}] = df[{name!r}].astype(str) ({exc})",
        ) from None
    return pa.chunked_array([arr]) if isinstance(arr, pa.Array) else arr


def _from_pandas(df: pd.DataFrame, metadata: bool = True) -> pa.Table:
    names = _column_names(df.columns)
    arrays = [_series_to_array(n, df.iloc[:, i]) for i, n in enumerate(names)]
    table = pa.Table.from_arrays(arrays, names=names)
    if metadata and all(isinstance(c, str) for c in df.columns):
        # pandas metadata lets load_snapshot give back Int64, boolean, category... dtypes;
        # it is not part of the fingerprint.
        try:
            meta = pa.Schema.from_pandas(df, preserve_index=False).metadata
        except (pa.ArrowException, TypeError, ValueError):
            meta = None
        if meta:
            table = table.replace_schema_metadata(meta)
    return table


def to_table(
    data: Any, argument: str = "data", *, allow_empty: bool = False, pandas_metadata: bool = True
) -> pa.Table:
    """A checked ``pyarrow.Table`` for ``data``; raises ``InvalidArgument`` naming what is wrong.

    ``pandas_metadata=False`` skips pandas' dtype metadata (about 5 ms a frame),
    which only a stored snapshot needs to give its dtypes back.
    """
    if isinstance(data, pd.Series):
        name = data.name if data.name is not None else "value"
        table = _from_pandas(data.to_frame(name=str(name)), pandas_metadata)
    elif isinstance(data, pd.DataFrame):
        table = _from_pandas(data, pandas_metadata)
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif isinstance(data, pa.Table):
        table = data
    elif type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_arrow"):
        table = data.to_arrow()
    else:
        raise InvalidArgument(
            argument,
            "a pandas DataFrame or Series, a pyarrow Table or a polars DataFrame",
            type(data).__name__,
        )
    _check_unique(list(table.column_names))
    if table.num_columns == 0:
        raise InvalidArgument(argument, "at least one column", "a frame with no columns")
    if table.num_rows == 0 and not allow_empty:
        raise InvalidArgument(argument, "at least one row", "an empty frame")
    return table


def arrow_type_name(dtype: pa.DataType) -> str:
    return str(dtype)


def schema_of(table: pa.Table) -> list[dict[str, Any]]:
    """Names, Arrow types, kinds and nullability of each column (JSON-able)."""
    out = []
    for field, col in zip(table.schema, table.columns):
        out.append(
            {
                "name": field.name,
                "type": arrow_type_name(field.type),
                "kind": column_kind(field.type),
                "nullable": bool(col.null_count > 0),
            }
        )
    return out


def decode(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded (pandas category) columns as plain values."""
    if pa.types.is_dictionary(col.type):
        return pc.cast(col, col.type.value_type)
    return col


def read_file(path: str) -> pa.Table:
    """A CSV (read with pandas, as a notebook would) or Parquet file as a checked table."""
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise InvalidArgument("file", "an existing CSV or Parquet file", str(path))
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return to_table(pq.read_table(p), "file")
    if any(s in (".csv", ".tsv", ".txt") for s in suffixes):
        sep = "\t" if ".tsv" in suffixes else ","
        return to_table(pd.read_csv(p, sep=sep), "file")
    raise InvalidArgument("file", "a .csv, .tsv or .parquet file", str(path))
