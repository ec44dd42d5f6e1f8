"""Engine, managed sessions and migrations.

Every public store operation runs in one ``session_scope``: it commits on
success, rolls back on error and turns database errors into ``StoreError``.
SQLite gets WAL mode, a busy timeout and foreign keys; write transactions on
SQLite begin ``IMMEDIATE`` so that concurrent writers queue on the busy
timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import MlopsError, StoreError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 74_201_117
_REVISION_LINE = re.compile(r"""^(revision|down_revision)\s*=\s*["']([^"']+)["']""", re.M)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # We issue BEGIN ourselves (see _sqlite_begin), so the driver must not.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_read_pragmas(dbapi_conn, _record) -> None:
    # A read-only connection: no journal-mode change (that is a write).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def _writable(path: Path) -> bool:
    """Whether files at ``path`` can be created and changed (a read-only mount says no to root too)."""
    return os.access(path, os.W_OK)


def read_only_reason(database: Path) -> str | None:
    """Why an existing SQLite store cannot be written, or None when it can."""
    if not _writable(database.parent):
        return f"its folder {database.parent} cannot be written"
    if database.exists() and not _writable(database):
        return f"{database} cannot be written"
    return None


def make_engine(uri: str) -> Engine:
    """A read-write engine (SQLite: WAL, busy timeout, foreign keys; any other URL as is)."""
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def read_only_engine(database: Path) -> Engine:
    """A SQLite engine that never writes: ``mode=ro``, else ``immutable=1``.

    ``mode=ro`` sees a live writer's commits but needs the WAL's ``-shm`` file to
    exist already (it cannot be created in a read-only folder); when it does not,
    nobody is writing through this folder and ``immutable=1`` reads the file as is.
    """
    failure: SQLAlchemyError | None = None
    for flags in ("mode=ro", "immutable=1"):
        engine = create_engine(
            f"sqlite:///file:{quote(str(database))}?{flags}&uri=true",
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _sqlite_read_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            return engine
        except SQLAlchemyError as exc:
            failure = exc
            engine.dispose()
    raise store_error(failure, str(database)) from failure


def store_error(exc: BaseException | None, where: str) -> StoreError:
    """``exc`` from the database as a ``StoreError`` that says what happened and what to do."""
    said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    said_line = said[0] if said else type(exc).__name__
    low = said_line.lower()
    hint = next((h for keys, h in _HINTS if any(k in low for k in keys)), None)
    if hint is None and isinstance(exc, OperationalError):
        hint = "check that the store at {where} is reachable (MLOPS_HOME / MLOPS_TRACKING_URI)"
    message = f"store operation failed and was rolled back: {said_line}"
    if hint:
        message += "; " + hint.format(where=where)
    return StoreError(message)


# What SQLite says when a store's file system refuses writes (full, read-only, failing).
_CANNOT_WRITE = ("disk i/o", "disk is full", "readonly", "read-only", "unable to open")

_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("readonly", "read-only", "read only"),
        "the store at {where} is read-only: make it writable, or point MLOPS_HOME "
        "(or MLOPS_TRACKING_URI) at a writable store",
    ),
    (("disk is full", "no space"), "the disk holding {where} is full: free some space, then retry"),
    (
        ("database is locked", "busy"),
        "another process kept the store locked for over a minute: retry, or end the "
        "process that holds a transaction open",
    ),
    (
        ("unable to open",),
        "cannot open {where}: check that its folder exists and can be read and written",
    ),
    (
        ("not a database", "malformed"),
        "{where} is not a readable jupyter-mlops store: point MLOPS_HOME (or "
        "MLOPS_TRACKING_URI) at the store, or restore the file from a backup",
    ),
    (("disk i/o",), "the file system under {where} failed: check the disk, then retry"),
)


class Database:
    """One database: its engine, managed sessions and schema migrations.

    A SQLite store whose folder or file cannot be written opens read-only (said
    once, as a warning): reads work, writes raise ``StoreError``.
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri
        url = make_url(uri)
        self.is_sqlite = url.get_backend_name() == "sqlite"
        file = (
            Path(url.database)
            if self.is_sqlite and url.database not in (None, "", ":memory:")
            else None
        )
        self.where = str(file) if file else url.render_as_string(hide_password=True)
        self.read_only: str | None = None
        if file is not None:
            self._check_folder(file)
            self.read_only = read_only_reason(file)
        if not self.read_only:
            self.engine = make_engine(uri)
            if file is None or not file.exists():
                return
            try:  # a full disk shows here: the WAL's -shm file cannot be made
                self.engine.connect().close()
                return
            except SQLAlchemyError as exc:
                self.engine.dispose()
                said = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                if not any(k in said.lower() for k in _CANNOT_WRITE):
                    raise store_error(exc, self.where) from exc
                self.read_only = f"it cannot be opened for writing: {said}; a full disk?"
        assert file is not None  # only a SQLite file has a read-only reason
        self.engine = read_only_engine(file)
        log.warning(
            "the store at %s is read-only (%s): runs, models and snapshots can be "
            "read, nothing can be written",
            file.parent,
            self.read_only,
        )

    @staticmethod
    def _check_folder(file: Path) -> None:
        todo = "set MLOPS_HOME to a writable folder (or MLOPS_TRACKING_URI to another store)"
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store folder {file.parent}: {exc.strerror}; {todo}"
            ) from None
        if not file.exists() and not _writable(file.parent):
            raise StoreError(
                f"there is no store at {file} and its folder cannot be written; {todo}"
            )

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Database errors inside become ``StoreError`` (with what to do)."""
        try:
            yield
        except MlopsError:
            raise
        except SQLAlchemyError as exc:
            raise store_error(exc, self.where) from exc

    @contextlib.contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error."""
        if write and self.read_only:
            raise StoreError(
                f"the store at {self.where} is read-only ({self.read_only}); nothing was "
                "written: make it writable (or free some space), or point MLOPS_HOME "
                "(or MLOPS_TRACKING_URI) at a writable store"
            )
        with self.errors(), self.engine.connect() as conn:
            conn.info["write"] = write
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session

    # -- migrations -------------------------------------------------------
    def _alembic_config(self, conn):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg

    # Both read with plain SQL and a glance at the files: importing alembic costs
    # ~100 ms on every store open (every CLI call), and most opens find the schema current.
    def current_revision(self) -> str | None:
        with self.errors(), self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def head_revision(self) -> str:
        revisions, parents = set(), set()
        for path in (MIGRATIONS / "versions").glob("*.py"):
            lines = dict(_REVISION_LINE.findall(path.read_text()))
            revisions.add(lines.get("revision"))
            parents.add(lines.get("down_revision"))
        heads = revisions - parents - {None}
        if len(heads) == 1:
            return heads.pop()
        from alembic.config import Config  # unusual files: let alembic decide (and explain)
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return ScriptDirectory.from_config(cfg).get_current_head()

    def migrate(self) -> None:
        """Bring the schema to the newest revision, once, even with several processes racing."""
        head = self.head_revision()
        current = self.current_revision()
        if current == head:
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        if self.read_only:
            raise StoreError(
                f"the store at {self.where} is read-only ({self.read_only}) and its schema "
                f"is at revision {current or 'none'}, older than this jupyter-mlops needs "
                f"({head}): open it once where it is writable to upgrade it"
            )
        with self.errors(), self._migration_lock():
            with self.migration_connection() as conn:
                if MigrationContext.configure(conn).get_current_revision() == head:
                    return
                log.info("upgrading store schema at %s to %s", self.engine.url, head)
                command.upgrade(self._alembic_config(conn), "head")

    @contextlib.contextmanager
    def migration_connection(self) -> Iterator[Connection]:
        """A connection in one transaction for Alembic; on SQLite with foreign keys off.

        SQLite's batch migrations copy a table and drop the old one; with foreign
        keys on, that drop deletes every row of the tables that reference it with
        ON DELETE CASCADE (labels with their window, checks with their monitor).
        The keys are checked before the commit instead.
        """
        with self.engine.connect() as conn:
            if not self.is_sqlite:
                with conn.begin():
                    yield conn
                return
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                conn.info["write"] = True
                with conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(
                            f"a schema migration left {len(broken)} row(s) whose foreign key "
                            f"points nowhere (first: {tuple(broken[0])}); nothing was changed"
                        )
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.is_sqlite:
            database = self.engine.url.database
            if not database or database == ":memory:":
                yield
                return
            lock_path = Path(database).with_suffix(".migrate.lock")
            fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        elif self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                    conn.commit()
        else:
            yield

    def dispose(self) -> None:
        self.engine.dispose()


def iter_chunks(items: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    """``items`` in lists of at most ``size``, to keep an ``IN (...)`` within the bind limits."""
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
