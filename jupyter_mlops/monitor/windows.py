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

    from ..data.profile import TableProfile

__all__ = ["WindowInfo", "get_window", "list_windows", "load_window", "window_profile"]


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
    if ref.alias not in (None, "latest") and alias is None:
        alias = ref.alias
    version = version if version is not None else ref.version
    return monitor_store.list_windows(
        get_store(),
        ref.name,
        since=_since(since),
        alias=alias,
        version=version,
        source=source,
        limit=limit,
    )


def get_window(window_id: str) -> WindowInfo:
    if not isinstance(window_id, str) or not window_id:
        raise InvalidArgument("window_id", "the id of an inference window", window_id)
    return monitor_store.get_window(get_store(), window_id)


def load_window(window_id: str | WindowInfo, *, labels: bool = False) -> pd.DataFrame:
    """The window's rows as a DataFrame; ``labels=True`` adds a ``label`` column (None when unknown)."""
    import pyarrow.parquet as pq

    info = window_id if isinstance(window_id, WindowInfo) else get_window(window_id)
    store = get_store()
    frame = pq.read_table(io.BytesIO(store.blobs.get_bytes(info.data_digest))).to_pandas()
    if labels:
        known = monitor_store.window_labels(store, info.id)
        id_column = _id_column(frame, info)
        import pandas as pd

        frame["label"] = pd.Series([known.get(i) for i in frame[id_column]], dtype=object)
    return frame


def _id_column(frame: pd.DataFrame, info: WindowInfo) -> str:
    # The id column follows the profiled columns (inputs, prediction), then the timestamp.
    return str(frame.columns[len(info.columns)])


def window_profile(window_id: str | WindowInfo) -> TableProfile:
    """The window's stored profile (inputs and prediction): drift against a snapshot reads no rows."""
    from ..data.profile import TableProfile

    info = window_id if isinstance(window_id, WindowInfo) else get_window(window_id)
    return TableProfile.from_bytes(get_store().blobs.get_bytes(info.profile_digest))
