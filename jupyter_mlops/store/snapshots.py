"""Snapshots and run inputs in the database.

Public functions take the ``Store`` and own their transaction; private
helpers take the session. A snapshot reference is ``name@3`` (version 3),
``name@latest`` or plain ``name`` (the newest version), or an integer id.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidArgument, NotFound
from . import Store
from .events import record_event
from .identity import current_user
from .run_rows import resolve_run_id
from .schema_data import RunInput, Snapshot, SnapshotFile

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,249}$")


@dataclass(frozen=True)
class SnapshotInfo:
    """A stored snapshot (immutable). ``ref`` is ``name@version``."""

    id: int
    name: str
    version: int
    fingerprint: str
    data_digest: str
    data_size: int
    profile_digest: str
    schema: tuple[dict[str, Any], ...] = field(hash=False)
    n_rows: int
    n_columns: int
    created_at: float
    user: str
    description: str | None = None
    expectations: dict[str, Any] | None = field(default=None, hash=False)
    storage: str = "copy"  # or "reference": the data stays in its files (snapshot_files)
    source: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def columns(self) -> list[str]:
        return [c["name"] for c in self.schema]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (for the CLI, REST handlers and the side panel)."""
        d = asdict(self)
        d["ref"] = self.ref
        d["schema"] = [dict(c) for c in self.schema]
        return d

    def __repr__(self) -> str:
        return (
            f"SnapshotInfo({self.ref!r}, id={self.id}, rows={self.n_rows}, "
            f"columns={self.n_columns}, fingerprint={self.fingerprint[:12]!r})"
        )


def _info(row: Snapshot) -> SnapshotInfo:
    return SnapshotInfo(
        id=row.id,
        name=row.name,
        version=row.version,
        fingerprint=row.fingerprint,
        data_digest=row.data_digest,
        data_size=row.data_size,
        profile_digest=row.profile_digest,
        schema=tuple(dict(c) for c in row.schema),
        n_rows=row.n_rows,
        n_columns=row.n_columns,
        created_at=row.created_at,
        user=row.user,
        description=row.description,
        expectations=None if row.expectations is None else dict(row.expectations),
        storage=row.storage or "copy",
        source=None if row.source is None else dict(row.source),
    )


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidArgument(
            "name",
            "a snapshot name of letters, digits, '_', '-', '.', '/' (at most 250 characters)",
            name,
        )
    return name


def parse_ref(ref: Any) -> tuple[str, int | None]:
    """``(name, version)``; version None means the newest."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidArgument("snapshot", "a reference like 'train@3' or 'train@latest'", ref)
    name, sep, version = ref.strip().partition("@")
    check_name(name)
    if not sep or version == "latest":
        return name, None
    if not version.isdigit() or int(version) < 1:
        raise InvalidArgument("snapshot", "a version number >= 1 or 'latest' after '@'", ref)
    return name, int(version)


def _resolve_row(session: Session, ref: str | int) -> Snapshot:
    if isinstance(ref, int) and not isinstance(ref, bool):
        row = session.get(Snapshot, ref)
        if row is None:
            raise NotFound(f"snapshot id {ref} does not exist")
        return row
    name, version = parse_ref(ref)
    stmt = select(Snapshot).where(Snapshot.name == name)
    if version is None:
        stmt = stmt.order_by(Snapshot.version.desc()).limit(1)
    else:
        stmt = stmt.where(Snapshot.version == version)
    row = session.scalars(stmt).first()
    if row is None:
        what = f"version {version} of snapshot {name!r}" if version else f"snapshot {name!r}"
        raise NotFound(f"{what} does not exist; list them with `jupyter mlops snapshots list`")
    return row


def resolve(store: Store, ref: str | int) -> SnapshotInfo:
    with store.db.session() as s:
        return _info(_resolve_row(s, ref))


def find_existing(
    store: Store, name: str, fingerprint: str, storage: str = "copy"
) -> tuple[SnapshotInfo | None, SnapshotInfo | None]:
    """``(same, content)``: the version of ``name`` holding this content, else a copy of it.

    A copy is asked for (``storage="copy"``): only copies count, since a
    reference is not a copy. A reference is asked for: a copy or a reference
    serves.
    """
    with store.db.session() as s:
        same = _find_same(s, name, fingerprint, storage)
        return same, (None if same else _find_content(s, fingerprint))


def create_snapshot(
    store: Store,
    *,
    name: str,
    fingerprint: str,
    run_id: str | None,
    files: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> SnapshotInfo:
    """Add the next version of ``name`` with its event and run link, in one transaction.

    When another writer stored the same content under ``name`` meanwhile, that
    version is returned (and linked) instead. ``files``: the referenced files
    of a snapshot kept by reference (``storage="reference"``), in order.
    """
    storage = fields.get("storage", "copy")
    with store.db.session(write=True) as s:
        if run_id is not None:
            run_id = resolve_run_id(s, run_id)
        info = _find_same(s, name, fingerprint, storage)
        if info is None:
            info = _insert(s, name=name, fingerprint=fingerprint, **fields)
            if files:
                s.execute(
                    insert(SnapshotFile),
                    [{"snapshot_id": info.id, "position": i, **f} for i, f in enumerate(files)],
                )
            record_event(
                s,
                "snapshot.created",
                "snapshot",
                str(info.id),
                payload={"ref": info.ref, "fingerprint": fingerprint, "run_id": run_id},
            )
        if run_id is not None:
            _link_run(s, run_id, info.id)
        return info


def link_run(store: Store, run_ref: str, snapshot_id: int, role: str = "input") -> bool:
    """Record that a run (id or unique prefix) read a snapshot; False when already recorded."""
    with store.db.session(write=True) as s:
        return _link_run(s, resolve_run_id(s, run_ref), snapshot_id, role)


def _find_same(
    session: Session, name: str, fingerprint: str, storage: str = "copy"
) -> SnapshotInfo | None:
    """The newest version of ``name`` holding exactly this content, if any."""
    stmt = select(Snapshot).where(Snapshot.name == name, Snapshot.fingerprint == fingerprint)
    if storage == "copy":
        stmt = stmt.where(Snapshot.storage == "copy")
    row = session.scalars(stmt.order_by(Snapshot.version.desc()).limit(1)).first()
    return None if row is None else _info(row)


def _find_content(session: Session, fingerprint: str) -> SnapshotInfo | None:
    """A copy of this content under any name (to reuse its blobs)."""
    row = session.scalars(
        select(Snapshot)
        .where(Snapshot.fingerprint == fingerprint, Snapshot.storage == "copy")
        .limit(1)
    ).first()
    return None if row is None else _info(row)


def snapshot_files(store: Store, snapshot_id: int) -> list[dict[str, Any]]:
    """The files of a snapshot kept by reference, in their order (empty for a copy)."""
    with store.db.session() as s:
        rows = s.scalars(
            select(SnapshotFile)
            .where(SnapshotFile.snapshot_id == snapshot_id)
            .order_by(SnapshotFile.position)
        )
        return [
            {"url": r.url, "size": r.size, "etag": r.etag, "mtime": r.mtime, "n_rows": r.n_rows}
            for r in rows
        ]


def _insert(session: Session, *, name: str, **fields: Any) -> SnapshotInfo:
    """Add the next version of ``name`` (retrying if another writer took the number)."""
    for _ in range(5):
        latest = session.scalar(select(func.max(Snapshot.version)).where(Snapshot.name == name))
        version = (latest or 0) + 1
        try:
            with session.begin_nested():
                new_id = session.execute(
                    insert(Snapshot)
                    .values(
                        name=name,
                        version=version,
                        created_at=time.time(),
                        user=current_user(),
                        **fields,
                    )
                    .returning(Snapshot.id)
                ).scalar_one()
        except IntegrityError:
            continue
        return _info(session.get(Snapshot, new_id))
    raise Conflict(f"could not allocate a version of snapshot {name!r}; try again")


def _link_run(session: Session, run_id: str, snapshot_id: int, role: str = "input") -> bool:
    exists = session.get(RunInput, (run_id, snapshot_id))
    if exists is not None:
        return False
    session.execute(
        insert(RunInput).values(
            run_id=run_id, snapshot_id=snapshot_id, role=role, created_at=time.time()
        )
    )
    return True


def list_snapshots(
    store: Store, name: str | None = None, *, all_versions: bool = True
) -> list[SnapshotInfo]:
    stmt = select(Snapshot).order_by(Snapshot.name, Snapshot.version.desc())
    if name is not None:
        stmt = stmt.where(Snapshot.name == check_name(name))
    with store.db.session() as s:
        rows = [_info(r) for r in s.scalars(stmt)]
    if not all_versions:
        seen: set[str] = set()
        rows = [r for r in rows if not (r.name in seen or seen.add(r.name))]
    return rows


def snapshots_of_run(store: Store, run_ref: str) -> list[SnapshotInfo]:
    """The snapshots a run (id or unique prefix) read, in the order it read them."""
    with store.db.session() as s:
        rows = s.scalars(
            select(Snapshot)
            .join(RunInput, RunInput.snapshot_id == Snapshot.id)
            .where(RunInput.run_id == resolve_run_id(s, run_ref))
            .order_by(RunInput.created_at, Snapshot.id)
        )
        return [_info(r) for r in rows]


def runs_of_snapshot(store: Store, snapshot_id: int) -> list[str]:
    with store.db.session() as s:
        return list(
            s.scalars(
                select(RunInput.run_id)
                .where(RunInput.snapshot_id == snapshot_id)
                .order_by(RunInput.created_at)
            )
        )


def save_expectations(
    store: Store, snapshot_id: int, expectations: dict[str, Any] | None
) -> SnapshotInfo:
    """Store expectations with a snapshot (and an event saying so); returns the updated snapshot."""
    with store.db.session(write=True) as s:
        s.execute(
            update(Snapshot).where(Snapshot.id == snapshot_id).values(expectations=expectations)
        )
        info = _info(_resolve_row(s, snapshot_id))
        record_event(
            s, "snapshot.expectations", "snapshot", str(info.id), payload={"ref": info.ref}
        )
        return info
