"""What a store is, for a settings page: backend, where it lives (no password) and if it is writable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from . import Store

MASK = "***"


@dataclass(frozen=True)
class StoreInfo:
    backend: str  # sqlite, postgresql, ...
    tracking_uri: str  # any password replaced by ***
    blob_root: str  # any password replaced by ***
    read_only: bool
    read_only_reason: str | None  # why nothing can be written, when read_only


def masked_tracking_uri(uri: str) -> str:
    return make_url(uri).render_as_string(hide_password=True)


def masked_blob_root(root: str) -> str:
    """``s3://key:secret@bucket/x`` -> ``s3://key:***@bucket/x``; a local path as it is."""
    parts = urlsplit(root)
    if not parts.scheme or parts.password is None:
        return root
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


def describe(store: Store) -> StoreInfo:
    reason = store.db.read_only
    return StoreInfo(
        backend=make_url(store.tracking_uri).get_backend_name(),
        tracking_uri=masked_tracking_uri(store.tracking_uri),
        blob_root=masked_blob_root(str(store.blobs.url)),
        read_only=bool(reason),
        read_only_reason=reason or None,
    )
