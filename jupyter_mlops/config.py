"""Where the store lives.

Resolution order, evaluated on every call so that a changed environment is honoured:

* ``MLOPS_HOME``: the folder that holds the embedded store; else the nearest
  ``.mlops/`` folder found upward from the working directory (like ``.git``);
  else ``./.mlops`` in the working directory, created on first use.
* ``MLOPS_TRACKING_URI``: any SQLAlchemy URL (``postgresql+psycopg://...``);
  default ``sqlite:///<home>/mlops.db``.
* ``MLOPS_BLOB_ROOT``: any fsspec URL or folder for content-addressed blobs;
  default ``<home>/blobs``.
* An ``s3://`` blob root is reached with boto's own settings (keys, profile,
  region); ``AWS_ENDPOINT_URL_S3`` (or ``AWS_ENDPOINT_URL``) names an
  S3-compatible server (MinIO, Ceph, moto) instead of AWS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_DIRNAME = ".mlops"
DEFAULT_EXPERIMENT = "Default"


@dataclass(frozen=True)
class StoreConfig:
    tracking_uri: str
    blob_root: str
    home: Path | None


def find_home(start: Path | None = None) -> Path:
    """The ``.mlops`` folder: ``MLOPS_HOME``, else found upward, else ``./.mlops``."""
    env = os.environ.get("MLOPS_HOME")
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / HOME_DIRNAME
        if candidate.is_dir():
            return candidate
    return here / HOME_DIRNAME


def resolve(start: Path | None = None) -> StoreConfig:
    """The store configuration in force now."""
    uri = os.environ.get("MLOPS_TRACKING_URI")
    blob_root = os.environ.get("MLOPS_BLOB_ROOT")
    home: Path | None = None
    if not uri or not blob_root:
        home = find_home(start)
    if not uri:
        uri = f"sqlite:///{home / 'mlops.db'}"
    if not blob_root:
        blob_root = str(home / "blobs")
    return StoreConfig(tracking_uri=uri, blob_root=blob_root, home=home)


S3_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


def s3_endpoint() -> str | None:
    """The S3-compatible endpoint in force, or None for AWS itself.

    Read from boto's standard variables, so that the blob store, s3fs and
    pyarrow datasets on ``s3://`` URLs, and the user's own boto3 code all
    reach the same server from one setting.
    """
    for name in S3_ENDPOINT_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    return None


def default_experiment() -> str:
    return os.environ.get("MLOPS_EXPERIMENT") or DEFAULT_EXPERIMENT


def heartbeat_interval() -> float:
    """Seconds between heartbeats of a running run (``MLOPS_HEARTBEAT_INTERVAL``, default 10)."""
    return float(os.environ.get("MLOPS_HEARTBEAT_INTERVAL", "10"))


def heartbeat_timeout() -> float:
    """Seconds without a heartbeat after which a RUNNING run is KILLED (default 6 intervals)."""
    raw = os.environ.get("MLOPS_HEARTBEAT_TIMEOUT")
    return float(raw) if raw else 6 * heartbeat_interval()


def flush_interval() -> float:
    """Seconds buffered metric points may wait before a background flush (default 2)."""
    return float(os.environ.get("MLOPS_FLUSH_INTERVAL", "2"))
