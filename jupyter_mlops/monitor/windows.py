"""Reading the inference log: windows of a model, their rows, profiles and labels."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from ..registry.uri import parse_ref
from ..store import get_store
from ..store import monitoring as monitor_store
from ..store.monitoring import WindowInfo

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from ..data.profile import TableProfile

__all__ = ["WindowInfo", "get_window", "list_windows", "load_window", "window_profile"]

SOURCES = ("serve", "batch")


def _since(since: Any) -> float | None:
    if since is None:
        return None
    if isinstance(since, dt.datetime):
        return since.timestamp()
    if isinstance(since, (int, float)) and not isinstance(since, bool):
        return float(since)
    raise InvalidArgument("since", "seconds since the epoch or a datetime", since)


def list_windows(
    model: str,
    *,
    since: float | dt.datetime | None = None,
    alias: str | None = None,
    version: int | None = None,
    source: str | None = None,
    limit: int | None = None,
) -> list[WindowInfo]:
    """Closed windows of ``model`` (``name``, ``name@alias`` or ``name/3``), oldest first.

    ``since`` keeps the windows closed after it; ``alias`` the windows served
    under that alias (the alias at the time, not where it points now).
    """
    ref = parse_ref(model)
    _check_filters(alias, version, source, limit)
    if ref.alias not in (None, "latest") and alias is None:
        alias = ref.alias
    version = version if version is not None else ref.version
    windows = monitor_store.list_windows(
        get_store(),
        ref.name,
        since=_since(since),
        alias=alias,
        version=version,
        source=source,
        limit=limit,
    )
    if not windows:
        from ..store import models as model_store

        model_store.get_model(get_store(), ref.name)  # a misspelt model: NotFound, not []
    return windows


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_filters(alias: Any, version: Any, source: Any, limit: Any) -> None:
    if alias is not None and (not isinstance(alias, str) or not alias):
        raise InvalidArgument("alias", "an alias name such as 'production'", alias)
    if version is not None and not _positive(version):
        raise InvalidArgument("version", "a version number (1 or more)", version)
    if source is not None and source not in SOURCES:
        raise InvalidArgument("source", " or ".join(SOURCES), source)
    if limit is not None and not _positive(limit):
        raise InvalidArgument("limit", "a positive number of windows", limit)


def get_window(window_id: str) -> WindowInfo:
    if not isinstance(window_id, str) or not window_id:
        raise InvalidArgument("window_id", "the id of an inference window", window_id)
    return monitor_store.get_window(get_store(), window_id)


def load_window(
    window_id: str | WindowInfo, *, labels: bool = False, inputs: bool = True
) -> pd.DataFrame:
    """The window's rows (inputs, prediction, id, timestamp) as a DataFrame.

    ``labels=True`` adds a ``label`` column (None when unknown; ``label_`` when an
    input is called ``label``: its name is in ``frame.attrs["label_column"]``); ``inputs=False``
    leaves the input columns out, reading only the log's own. A batch window's
    inputs are read from its rows of the input snapshot.
    """
    info = window_id if isinstance(window_id, WindowInfo) else get_window(window_id)
    store = get_store()
    table = _own_rows(store.blobs.get_bytes(info.data_digest), inputs and not info.rows_snapshot)
    if inputs and info.rows_snapshot is not None:
        rows = _snapshot_rows(info.rows_snapshot, info.rows_offset or 0, info.n_rows,
                              list(info.columns[:-1]))  # fmt: skip
        for name, column in zip(reversed(rows.column_names), reversed(rows.columns)):
            table = table.add_column(0, name, column)
    frame = table.to_pandas()
    if labels:
        import pandas as pd

        from .log import free_names

        known = monitor_store.window_labels(store, info.id)
        ids = frame[frame.columns[-2]]  # the id column precedes the timestamp
        name = free_names([str(c) for c in frame.columns], ["label"])[0]
        frame[name] = pd.Series([known.get(i) for i in ids], dtype=object)
        frame.attrs["label_column"] = name
    return frame


def _own_rows(data: bytes, everything: bool) -> pa.Table:
    """The window blob's columns: all of them, or its last three (prediction, id, timestamp)."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(io.BytesIO(data))
    return f.read(columns=None if everything else f.schema_arrow.names[-3:])


def _snapshot_rows(snapshot_id: int, offset: int, n: int, columns: list[str]) -> pa.Table:
    """Rows [offset, offset + n) of a snapshot, streamed: no more than that is held."""
    import pyarrow as pa

    from ..data.snapshot import get_snapshot, snapshot_batches

    kept, seen = [], 0
    for batch in snapshot_batches(get_snapshot(snapshot_id), columns):
        end = seen + batch.num_rows
        if end > offset:
            kept.append(batch.slice(max(offset - seen, 0), offset + n - max(seen, offset)))
        seen = end
        if seen >= offset + n:
            break
    return pa.Table.from_batches(kept, schema=kept[0].schema if kept else None)


def window_profile(window_id: str | WindowInfo) -> TableProfile:
    """The window's stored profile (inputs and prediction): drift against a snapshot reads no rows."""
    from ..data.profile import TableProfile

    info = window_id if isinstance(window_id, WindowInfo) else get_window(window_id)
    return TableProfile.from_bytes(get_store().blobs.get_bytes(info.profile_digest))
