"""Metric points a run could not write, kept on disk and written when the store next opens.

When a run ends and its last points cannot reach the database (a full disk, a
store that went away), they are written to a spill file instead: JSON lines,
a header (run id, the status the run ended with) and one ``[key, step,
timestamp, value]`` line per point, written beside the target and renamed, so
a reader never sees half a file. The first folder that takes it wins:

1. ``spill/`` beside an SQLite store's database file (inside ``.mlops/``);
2. ``jupyter-mlops-spill-<uid>/<store hash>/`` in the temporary folder (another
   file system, often, when the store's is full), private to the user.

``Store.open()`` replays every spill file of that store: each is claimed by an
atomic rename (so two processes opening the store at once never both write
it), its points are written, the run is ended with the recorded status if it
is still RUNNING, and the file is removed. A file that cannot be written yet
stays for the next open.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from ..errors import NotFound
from . import metric_batches, metrics, params_tags, runs
from .entities import RunStatus
from .identity import process_alive

if TYPE_CHECKING:
    from . import Store

log = logging.getLogger(__name__)

FORMAT = "jupyter-mlops-spill/1"
SUFFIX = ".jsonl"
SPILLED_TAG = "mlops.spilled_points"
REPLAYED_TAG = "mlops.replayed_points"
LOST_TAG = "mlops.lost_points"


def spill_dirs(store: Store) -> list[Path]:
    """Where this store's spill files go, in order of preference."""
    dirs = []
    url = make_url(store.tracking_uri)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        dirs.append(Path(url.database).resolve().parent / "spill")
    key = hashlib.sha256(store.tracking_uri.encode()).hexdigest()[:16]
    dirs.append(Path(tempfile.gettempdir()) / f"jupyter-mlops-spill-{os.getuid()}" / key)
    return dirs


def write(
    store: Store,
    run_id: str,
    rows: Sequence[metrics.MetricRow],
    *,
    status: str,
    error: str | None = None,
    reason: str | None = None,
) -> Path:
    """Keep ``rows`` of ``run_id`` in a spill file; raise OSError when no folder takes it."""
    header = {"format": FORMAT, "run_id": run_id, "status": status, "error": error}
    data = _encode({**header, "reason": reason}, rows)
    failure: OSError | None = None
    for folder in spill_dirs(store):
        try:
            _make_private_dir(folder)
            return _write_atomic(folder / f"{run_id}-{uuid.uuid4().hex[:8]}{SUFFIX}", data)
        except OSError as exc:
            failure = exc
            log.info("could not spill into %s: %s", folder, exc)
    assert failure is not None
    raise failure


def _encode(header: dict[str, Any], rows: Sequence[metrics.MetricRow]) -> bytes:
    lines = [json.dumps({**header, "points": len(rows)})]
    lines += [json.dumps([k, step, ts, v]) for (_, k, step, ts, v) in rows]
    return ("\n".join(lines) + "\n").encode()


def _make_private_dir(folder: Path) -> None:
    if folder.parent.name.startswith("jupyter-mlops-spill-"):
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _check_private(folder.parent)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def _check_private(folder: Path) -> None:
    """A shared temporary folder is only trusted when it is ours and no one else's."""
    st = folder.lstat()
    if st.st_uid != os.getuid() or st.st_mode & 0o077 or not folder.is_dir() or folder.is_symlink():
        raise PermissionError(f"{folder} is not a private folder of this user")


def _write_atomic(target: Path, data: bytes) -> Path:
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    return target


def pending(store: Store) -> list[Path]:
    """Spill files of this store waiting to be replayed."""
    found: list[Path] = []
    for folder in spill_dirs(store):
        if folder.is_dir():
            found += sorted(folder.glob(f"*{SUFFIX}"))
    return found


def replay(store: Store) -> int:
    """Write every spill file of ``store`` into it; return the number of points written."""
    written = 0
    for folder in spill_dirs(store):
        if not folder.is_dir():
            continue
        try:
            if folder.parent.name.startswith("jupyter-mlops-spill-"):
                _check_private(folder.parent)
        except OSError as exc:
            log.warning("not replaying spill files from %s: %s", folder, exc)
            continue
        for path in _claimable(folder):
            original = path.with_name(path.name.split(SUFFIX)[0] + SUFFIX)
            claimed = original.with_name(f"{original.name}.replaying-{os.getpid()}")
            try:
                os.rename(path, claimed)
            except FileNotFoundError:  # another process took it
                continue
            written += _replay_one(store, claimed, original)
    return written


def _claimable(folder: Path) -> list[Path]:
    paths = sorted(folder.glob(f"*{SUFFIX}"))
    for stale in folder.glob(f"*{SUFFIX}.replaying-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            paths.append(stale)  # its replayer died; the file is ours to finish
    return paths


def _read(path: Path) -> tuple[dict[str, Any], list[metrics.MetricRow]]:
    with path.open("rb") as f:
        header = json.loads(f.readline())
        if header.get("format") != FORMAT:
            raise ValueError(f"not a spill file ({header.get('format')!r})")
        run_id = header["run_id"]
        rows = [(run_id, k, int(st), float(ts), float(v)) for k, st, ts, v in map(json.loads, f)]
    return header, rows


def _replay_one(store: Store, claimed: Path, original: Path) -> int:
    try:
        header, rows = _read(claimed)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("spill file %s cannot be read (%s); left as %s.bad", original, exc, claimed)
        os.replace(claimed, f"{claimed}.bad")
        return 0
    run_id = header["run_id"]
    try:
        rejected = metric_batches.insert_isolating(store, rows)
    except NotFound:
        log.warning("run %s of spill file %s no longer exists; file removed", run_id, original)
        claimed.unlink(missing_ok=True)
        return 0
    except Exception as exc:
        left = getattr(exc, "rows", None)
        if left is not None:  # part was written: keep only the rest
            _write_atomic(original, _encode(header, left))
            claimed.unlink(missing_ok=True)
        else:
            os.replace(claimed, original)
        log.warning("spill file %s not replayed yet (%s): kept for the next open", original, exc)
        return 0
    try:
        _account(store, run_id, len(rows) - len(rejected), len(rejected))
        status = RunStatus.parse(header.get("status") or "FINISHED")
        runs.end_run(store, run_id, status, error=header.get("error"), reason=header.get("reason"))
    except Exception as exc:  # the points are in: never write them twice
        log.warning("run %s: replayed its points but could not update the run: %s", run_id, exc)
    claimed.unlink(missing_ok=True)
    log.info("replayed %d metric points of run %s from %s", len(rows), run_id[:8], original)
    return len(rows) - len(rejected)


def _account(store: Store, run_id: str, written: int, rejected: int) -> None:
    tags = runs.get_run_data(store, run_id).tags
    new = {REPLAYED_TAG: str(int(tags.get(REPLAYED_TAG, 0)) + written)}
    if rejected:
        new["mlops.rejected_points"] = str(int(tags.get("mlops.rejected_points", 0)) + rejected)
    params_tags.set_tags(store, run_id, new)
    if SPILLED_TAG in tags:
        params_tags.delete_tag(store, run_id, SPILLED_TAG)


def replay_quietly(store: Store) -> None:
    """Replay at open: a spill that cannot be written yet never stops a store from opening."""
    try:
        replay(store)
    except Exception as exc:
        log.warning("spill files of %s not replayed: %s", store.db.engine.url, exc)
