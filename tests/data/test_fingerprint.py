"""The fingerprint depends on content (names, types, order, values, nulls), not on layout or process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from jupyter_mlops.data.fingerprint import fingerprint
from jupyter_mlops.data.frames import to_table

from ..conftest import run_python


def fp(df) -> str:
    return fingerprint(to_table(df))


def test_same_content_same_fingerprint(frame):
    assert fp(frame) == fp(frame.copy())
    assert fp(frame) == fp(frame.set_index("city").reset_index()[list(frame.columns)])


def test_row_order_matters(frame):
    assert fp(frame) != fp(frame.iloc[::-1])
    # ... but the pandas index does not
    assert fp(frame) == fp(frame.set_axis(range(100, 100 + len(frame))))


def test_dtypes_matter():
    ints = pd.DataFrame({"a": [1, 2, 3]})
    assert fp(ints) != fp(ints.astype("float64"))
    assert fp(ints) != fp(ints.astype("int32"))
    s = pd.DataFrame({"c": ["a", "b", "a"]})
    assert fp(s) != fp(s.astype("category"))


def test_column_order_matters_as_documented(frame):
    reordered = frame[list(reversed(frame.columns))]
    assert fp(frame) != fp(reordered)
    assert fp(frame[sorted(frame.columns)]) == fp(reordered[sorted(frame.columns)])


def test_names_and_values_and_nulls_matter():
    base = pd.DataFrame({"a": [1.0, 2.0, None], "s": ["x", None, "z"]})
    assert fp(base) != fp(base.rename(columns={"a": "b"}))
    changed = base.copy()
    changed.loc[0, "a"] = 1.5
    assert fp(base) != fp(changed)
    nulled = base.copy()
    nulled.loc[0, "s"] = None
    assert fp(base) != fp(nulled)
    # an empty string is not a null
    assert fp(pd.DataFrame({"s": ["", "a"]})) != fp(pd.DataFrame({"s": [None, "a"]}))


def test_independent_of_memory_layout(frame):
    t = to_table(frame)
    chunked = pa.concat_tables([t.slice(0, 7), t.slice(7, 500), t.slice(507)])
    assert chunked.column(0).num_chunks == 3
    assert fingerprint(chunked) == fingerprint(t)
    # a slice of a bigger array hashes like the same values built fresh
    assert fingerprint(t.slice(10, 50)) == fingerprint(to_table(frame.iloc[10:60]))
    numeric = frame[["x", "y"]]
    fortran = pd.DataFrame(np.asfortranarray(numeric.to_numpy()), columns=["x", "y"])
    c_order = pd.DataFrame(np.ascontiguousarray(numeric.to_numpy()), columns=["x", "y"])
    assert fp(fortran) == fp(c_order) == fp(numeric)


def test_null_slots_do_not_leak_into_the_hash():
    a = pa.table({"v": pa.array([1, 2, 3], mask=np.array([False, True, False]))})
    b = pa.table({"v": pa.array([1, 99, 3], mask=np.array([False, True, False]))})
    assert fingerprint(a) == fingerprint(b)


def test_stable_across_processes(frame):
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from conftest import make_frame\n"
        "from jupyter_mlops.data.fingerprint import fingerprint\n"
        "from jupyter_mlops.data.frames import to_table\n"
        "print(fingerprint(to_table(make_frame())))\n"
    )
    import pathlib

    here = str(pathlib.Path(__file__).parent)
    out = run_python(code % here, env={"PYTHONHASHSEED": "123"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == fp(frame)


def test_fixed_width_types_with_nulls():
    import datetime as dt
    import decimal

    df = pd.DataFrame(
        {
            "dec": [decimal.Decimal("1.5"), None, decimal.Decimal("2.5")],
            "ts": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
            "d": [dt.date(2024, 1, 1), None, dt.date(2024, 1, 3)],
            "f16": np.array([1, np.nan, 3], dtype=np.float16),
        }
    )
    assert fp(df) == fp(df.copy())
    changed = df.copy()
    changed.loc[2, "dec"] = decimal.Decimal("2.6")
    assert fp(changed) != fp(df)


def test_fingerprint_of_batches_straddling_blocks_equals_the_whole():
    """Whole blocks are hashed straight from a batch, the straddling one from its parts."""
    from jupyter_mlops.data.fingerprint import BLOCK_ROWS, Fingerprinter

    n = 4 * BLOCK_ROWS + 77
    table = pa.table({"x": np.arange(n, dtype=np.float64), "s": [str(i % 13) for i in range(n)]})
    sizes = [1, BLOCK_ROWS - 1, BLOCK_ROWS, 5, 2 * BLOCK_ROWS - 2, 3]
    fp, start = Fingerprinter(table.schema), 0
    for size in [*sizes, n - sum(sizes)]:
        fp.update(table.slice(start, size).to_batches()[0])
        start += size
    assert fp.n_rows == n and fp.hexdigest() == fingerprint(table)


def test_fingerprint_part_carries_only_its_edge_rows():
    """A Dask task returns its part to the client: it must not drag the whole piece along."""
    import pickle

    from jupyter_mlops.data.fingerprint import BLOCK_ROWS, fingerprint_part

    table = pa.table({"x": np.arange(10 * BLOCK_ROWS + 9, dtype=np.float64)})
    part = fingerprint_part(table, 5)
    assert part.head.num_rows == BLOCK_ROWS - 5 and part.tail.num_rows == 14
    assert len(pickle.dumps(part)) < 2 * BLOCK_ROWS * 8  # the table is 10 blocks of 8-byte values
