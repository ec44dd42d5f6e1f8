"""Batch scoring: a registered model over a Parquet/CSV file or a frame, in bounded chunks.

``predict("churn@production", "customers.parquet", "scores.parquet")`` checks
the input against the model's signature before anything is loaded or scored
(the file's schema, which for CSV is the types of its first block), then
streams it: ``chunk_rows`` rows are read, scored, written to the output (a
temporary file renamed into place at the end, so a failure leaves no partial
output) and logged to the inference log as one window of source ``batch``.
Memory holds a couple of chunks whatever the size of the input.

The work is a run (experiment ``batch-predict``): its input is a snapshot of
the input (files above ``INPUT_COPY_LIMIT`` bytes by reference, smaller ones
and frames by copy) and its output an artifact (outputs above
``OUTPUT_COPY_LIMIT`` bytes are recorded as ``<name>.ref.json``: path, size
and sha256, not copied into the store).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InvalidArgument
from ..registry.signature import Signature
from .batch_scoring import ChunkRefused, ScoringModel, resolve_model, scored_chunks
from .batch_windows import BatchWindows
from .log import PredictionIds

EXPERIMENT = "batch-predict"
DEFAULT_CHUNK_ROWS = 100_000
INPUT_COPY_LIMIT = 64 * 2**20
OUTPUT_COPY_LIMIT = 64 * 2**20
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
ADDED = ("prediction", "prediction_id")
_EXPECTED_FILE = "a .parquet (.pq) or .csv file"


@dataclass(frozen=True)
class BatchPrediction:
    """What ``predict`` did: the run, the rows scored, where they went, the log's windows."""

    run_id: str
    model: str
    version: int
    rows: int
    chunks: int
    output: str | None
    input_snapshot: str
    window_ids: tuple[str, ...] = field(repr=False)
    seconds: float = 0.0

    def __repr__(self) -> str:
        where = self.output or "a frame"
        return (
            f"<BatchPrediction {self.model}/{self.version}: {self.rows:,} rows in "
            f"{self.chunks} chunk(s) -> {where}; run {self.run_id[:8]}, input "
            f"{self.input_snapshot}, {len(self.window_ids)} window(s), {self.seconds:.2f} s>"
        )


def file_format(path: Any, argument: str) -> str:
    """``parquet`` or ``csv`` from the extension of ``path``, else InvalidArgument naming ``argument``."""
    fmt = FORMATS.get(Path(str(path)).suffix.lower())
    if fmt is None:
        raise InvalidArgument(argument, _EXPECTED_FILE, str(path))
    return fmt


# -- the input -----------------------------------------------------------------------
@dataclass
class _Input:
    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    n_rows: int | None
    path: str | None = None
    frame: Any = None


def _open_input(data: Any, chunk_rows: int) -> _Input:
    if not isinstance(data, (str, os.PathLike)):
        from ..data.frames import to_table

        table = to_table(data, "data")
        return _Input(table.schema, iter(table.to_batches(chunk_rows)), table.num_rows, frame=data)
    path = str(data)
    fmt = file_format(path, "data")
    if not os.path.isfile(path):
        raise InvalidArgument("data", f"an existing file ({_EXPECTED_FILE})", path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            f = pq.ParquetFile(path, pre_buffer=False)  # pre-buffering reads the whole file ahead
            return _Input(f.schema_arrow, f.iter_batches(chunk_rows), f.metadata.num_rows, path)
        import pyarrow.csv as pcsv

        reader = pcsv.open_csv(path)  # types are inferred from the first block, then fixed
        return _Input(reader.schema, iter(reader), None, path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidArgument("data", f"a readable {fmt} file", f"{path}: {exc}") from None


def _compatible(signature_type: str, arrow: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow):
        arrow = arrow.value_type
    if signature_type == "double":
        return pa.types.is_floating(arrow) or pa.types.is_integer(arrow)
    if signature_type == "long":
        return pa.types.is_integer(arrow)
    if signature_type == "boolean":
        return pa.types.is_boolean(arrow)
    return pa.types.is_string(arrow) or pa.types.is_large_string(arrow)


def check_schema(signature: Signature, schema: pa.Schema, id_column: str | None = None) -> None:
    """Refuse, naming the column, an input the model cannot take (before any row is scored)."""
    names = set(schema.names)
    missing = [c for c in signature.columns if c not in names]
    if missing:
        raise InvalidArgument(
            "data",
            "the model's input columns " + ", ".join(signature.columns),
            "missing column(s) " + ", ".join(missing),
        )
    for column in signature.inputs or ():
        arrow = schema.field(column.name).type
        if not _compatible(column.type, arrow):
            raise InvalidArgument(
                "data", f"column {column.name!r} of type {column.type}", f"{arrow}"
            )
    clash = [c for c in ADDED if c in names]
    if clash:
        raise InvalidArgument(
            "data", "no column named prediction or prediction_id (predict adds them)", clash
        )
    if id_column is not None and id_column not in names:
        raise InvalidArgument("id_column", "a column of the input", id_column)


def _rechunk(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Tables of exactly ``rows`` rows (the last may be shorter) from batches of any size."""
    held: list[pa.RecordBatch] = []
    n = 0
    for batch in batches:
        held.append(batch)
        n += batch.num_rows
        while n >= rows:
            table = pa.Table.from_batches(held)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            n = rest.num_rows
            held = rest.to_batches() if n else []  # an empty slice still holds its parent's buffers
    if n:
        yield pa.Table.from_batches(held)


# -- the output -----------------------------------------------------------------------
class _HashingFile(io.RawIOBase):
    """A binary file that hashes what is written through it (no second read for the digest)."""

    def __init__(self, f: Any) -> None:
        self._f, self.digest = f, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return self._f.write(data)

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()


def _parquet_writer(sink: Any, schema: pa.Schema) -> Any:
    """Floats plain and ids without a dictionary: neither compresses, both cost write time."""
    import pyarrow.parquet as pq

    plain = {f.name for f in schema if pa.types.is_floating(f.type)}
    unique = plain | {"prediction_id"}
    return pq.ParquetWriter(
        sink,
        schema,
        compression={n: "NONE" if n in plain else "SNAPPY" for n in schema.names},
        use_dictionary=[n for n in schema.names if n not in unique] or False,
    )


def _new_file_mode() -> int:
    """The mode ``open`` gives a new file: 0666 less the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


class _Output:
    """Chunks into a temporary file beside ``path``, renamed into place by ``commit``."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.fmt = file_format(path, "output") if path is not None else None
        self.tables: list[pa.Table] = []
        self._writer: Any = None
        self._file: _HashingFile | None = None
        self._tmp: str | None = None
        self.sha256: str | None = None  # of the file written, known once committed

    def open(self) -> None:
        if self.path is None:
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(folder):
            raise InvalidArgument("output", "a path in an existing folder", self.path)
        fd, self._tmp = tempfile.mkstemp(prefix=".mlops-predict-", suffix=".tmp", dir=folder)
        os.close(fd)

    def write(self, table: pa.Table) -> None:
        if self.path is None:
            self.tables.append(table)
            return
        if self._writer is None:
            self._file = _HashingFile(open(self._tmp, "wb"))  # noqa: SIM115 (closed by commit/abort)
            if self.fmt == "parquet":
                self._writer = _parquet_writer(self._file, table.schema)
            else:
                import pyarrow.csv as pcsv

                self._writer = pcsv.CSVWriter(self._file, table.schema)
        self._writer.write_table(table)

    def commit(self) -> None:
        if self.path is None:
            return
        if self._writer is not None:
            self._writer.close()
            self._file.close()
            self.sha256 = self._file.digest.hexdigest()
        os.chmod(self._tmp, _new_file_mode())  # mkstemp's file is private (0600)
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
                self._file.close()
            except Exception:  # the file is removed anyway
                pass
        if self._tmp is not None and os.path.exists(self._tmp):
            os.remove(self._tmp)


# -- scoring --------------------------------------------------------------------------
def _check_chunk_rows(chunk_rows: Any) -> int:
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InvalidArgument("chunk_rows", "a positive number of rows", chunk_rows)
    return chunk_rows


def _check_not_the_input(data: Any, output: str | None) -> None:
    """The input is the run's recorded input and the windows' rows: never overwritten."""
    if output is None or not isinstance(data, (str, os.PathLike)) or not os.path.exists(output):
        return
    if os.path.exists(data) and os.path.samefile(data, output):
        raise InvalidArgument("output", "a path other than the input's", output)


def _stream(
    source: _Input,
    model: ScoringModel,
    out: _Output,
    windows: BatchWindows | None,
    chunk_rows: int,
    id_column: str | None,
    progress: bool,
) -> tuple[int, int]:
    """Score every chunk: output and log. Returns (rows, chunks)."""
    from tqdm.auto import tqdm

    ids_source = PredictionIds()
    rows = chunks = 0
    bar = tqdm(total=source.n_rows, unit="rows", desc=f"predict {model.name}", disable=not progress)
    scored = scored_chunks(model, _rechunk(_read(source), chunk_rows))
    try:
        for chunk, predictions, opened in _named_refusals(scored):
            start = ids_source.take_range(chunk.num_rows)
            ids = ids_source.array(start, chunk.num_rows)
            kept = chunk.select([id_column]) if id_column is not None else chunk
            kept = kept.append_column("prediction", predictions)
            out.write(kept.append_column("prediction_id", ids))
            if windows is not None:
                windows.add(chunk, predictions, ids, (ids_source.prefix, start, opened))
            rows += chunk.num_rows
            chunks += 1
            bar.update(chunk.num_rows)
        if windows is not None:
            windows.wait()
    finally:
        bar.close()
    return rows, chunks


def _named_refusals(chunks: Iterator[tuple]) -> Iterator[tuple]:
    """The scored chunks (in input order); a refused one as InvalidArgument naming its rows."""
    start = 0
    try:
        for scored in chunks:
            yield scored
            start += scored[0].num_rows
    except ChunkRefused as exc:
        if exc.row is not None:
            where = f"row {start + exc.row}"
        else:
            where = f"rows {start} to {start + exc.n_rows - 1}"
        raise InvalidArgument("data", exc.expected, f"{where}: {exc.got}") from None


def _read(source: _Input) -> Iterator[pa.RecordBatch]:
    try:
        yield from source.batches
    except pa.ArrowInvalid as exc:  # a CSV block whose values do not fit the first block's types
        raise InvalidArgument(
            "data", "values of the types of the file's first rows", str(exc)
        ) from None


def predict(
    model: str,
    data: Any,
    output: str | os.PathLike | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    log: bool = True,
    id_column: str | None = None,
    trusted: Any = False,
    progress: bool | None = None,
) -> Any:
    """Score ``data`` (a frame, or a Parquet/CSV path) with ``model`` in chunks of ``chunk_rows``.

    The output holds the input's columns (only ``id_column`` when given), then
    ``prediction`` and ``prediction_id``: the ids the inference log knows, to
    join labels with ``log_labels``. With ``output`` the result is a
    ``BatchPrediction``; without, a frame input gives back the frame with the
    two columns (the ``BatchPrediction`` is in its ``attrs["batch_prediction"]``).
    ``log=False`` writes no windows. ``trusted`` as for ``load_model``;
    ``progress`` shows a bar (default: when stderr is a terminal).
    """
    started = time.perf_counter()
    chunk_rows = _check_chunk_rows(chunk_rows)
    output = None if output is None else os.fspath(output)
    if output is None and isinstance(data, (str, os.PathLike)):
        raise InvalidArgument("output", "an output path (.parquet or .csv) for a file input", None)
    out = _Output(output)
    _check_not_the_input(data, output)
    resolved = resolve_model(model)
    source = _open_input(data, chunk_rows)
    check_schema(resolved.signature, source.schema, id_column)
    if source.n_rows == 0:
        raise InvalidArgument("data", "at least one row to score", "no rows")
    from ..registry.models import load_model

    obj = load_model(f"{resolved.name}/{resolved.version}", trusted=trusted)
    resolved = ScoringModel(
        resolved.name, resolved.version, resolved.alias, resolved.signature, obj
    )
    show = sys.stderr.isatty() if progress is None else bool(progress)
    result = _run(model, resolved, source, out, chunk_rows, id_column, log, show, started)
    if output is not None:
        return result
    frame = _frame(data, out.tables)
    frame.attrs["batch_prediction"] = result
    return frame


def _run(
    ref: str,
    model: ScoringModel,
    source: _Input,
    out: _Output,
    chunk_rows: int,
    id_column: str | None,
    log: bool,
    progress: bool,
    started: float,
) -> BatchPrediction:
    from ..data.snapshot import snapshot
    from ..tracking import start_run

    params = {"model": ref, "version": model.version, "input": source.path or "a frame",
              "chunk_rows": chunk_rows, "log": log}  # fmt: skip
    with start_run(f"predict {model.name}", experiment=EXPERIMENT, params=params) as run:
        data = source.path if source.path is not None else source.frame
        big = source.path is not None and os.path.getsize(source.path) > INPUT_COPY_LIMIT
        columns = model.signature.columns or list(source.schema.names)
        windows = BatchWindows(model.name, model.version, model.alias, columns) if log else None
        out.open()
        # The snapshot reads the input on its own, beside the scoring (pyarrow releases the GIL).
        with ThreadPoolExecutor(1, thread_name_prefix="mlops-batch-snapshot") as pool:
            snapping = pool.submit(snapshot, data, f"{model.name}-batch-input", run=run,
                                   keep="reference" if big else None)  # fmt: skip
            try:
                rows, chunks = _stream(source, model, out, windows, chunk_rows, id_column, progress)
                snap = snapping.result()
                window_ids = windows.commit(snap.id) if windows is not None else []
                out.commit()
            except BaseException:
                out.abort()
                raise
            finally:
                if windows is not None:
                    windows.close()
        run.log_params({"rows": rows, "chunks": chunks, "windows": len(window_ids)})
        _log_output(run, out, rows)
    return BatchPrediction(run.id, model.name, model.version, rows, chunks, out.path, snap.ref,
                           tuple(window_ids), time.perf_counter() - started)  # fmt: skip


def _log_output(run: Any, out: _Output, rows: int) -> None:
    """The output file as an artifact, or above ``OUTPUT_COPY_LIMIT`` its path, size and digest."""
    if out.path is None:
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        if out.tables:
            pq.write_table(pa.concat_tables(out.tables), buf)
        run.log_artifact(buf.getvalue(), "predictions.parquet")
        return
    name = os.path.basename(out.path)
    size = os.path.getsize(out.path)
    if size <= OUTPUT_COPY_LIMIT:
        run.log_artifact(out.path, name)
        return
    ref = {"path": os.path.abspath(out.path), "bytes": size, "sha256": out.sha256,
           "rows": rows, "format": out.fmt}  # fmt: skip
    run.log_artifact(json.dumps(ref, indent=1).encode(), f"{name}.ref.json")


def _frame(data: Any, tables: list[pa.Table]) -> Any:
    import pandas as pd

    added = pa.concat_tables([t.select(list(ADDED)) for t in tables]) if tables else None
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
        for name in ADDED:
            frame[name] = [] if added is None else added.column(name).to_numpy(zero_copy_only=False)
        return frame
    return pa.concat_tables(tables).to_pandas()
