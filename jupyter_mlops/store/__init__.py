"""The one store: a database (SQLAlchemy + Alembic) and a content-addressed blob store.

``get_store()`` returns the store configured now (see ``jupyter_mlops.config``).
Stores are cached per (tracking URI, blob root), so changing the environment
switches stores without any reset.
"""

from __future__ import annotations

import os
import threading

from .. import config
from .blobs import BlobRef, BlobStore
from .db import Database
from .entities import RunStatus

__all__ = ["BlobRef", "BlobStore", "Database", "RunStatus", "Store", "get_store"]


class Store:
    """A database and a blob store, migrated and with dead runs reaped on open.

    A SQLite store in a folder that cannot be written opens read-only (see ``Database``).
    """

    def __init__(self, tracking_uri: str, blob_root: str) -> None:
        self.tracking_uri = tracking_uri
        self.db = Database(tracking_uri)
        self.blobs = BlobStore(blob_root)

    def open(self) -> Store:
        from . import runs, spill

        self.db.migrate()
        if not self.db.read_only:  # a read-only store is read as it is
            spill.replay_quietly(self)  # before reaping: a spilled run ends as it said
            runs.reap_stale_runs(self, timeout=config.heartbeat_timeout())
        return self

    def __repr__(self) -> str:
        return f"Store({self.db.engine.url!r}, blobs={self.blobs.url!r})"


_stores: dict[tuple[str, str], Store] = {}
_lock = threading.Lock()


def get_store() -> Store:
    cfg = config.resolve()
    key = (cfg.tracking_uri, cfg.blob_root)
    store = _stores.get(key)
    if store is None:
        with _lock:
            store = _stores.get(key)
            if store is None:
                store = Store(cfg.tracking_uri, cfg.blob_root).open()
                _stores[key] = store
    return store


def _after_fork() -> None:
    """A forked child (``serve --workers``) opens connections of its own, never its parent's."""
    global _lock
    _lock = threading.Lock()
    for store in _stores.values():
        store.db.engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork)
