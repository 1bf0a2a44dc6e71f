"""Opening the database: URL, SQLite pragmas and single-server lock, migrations, writer.

One implementation serves SQLite and PostgreSQL; what differs between them is chosen here,
by backend, never by a second copy of the store:

- SQLite: a file lock (one server per file), WAL and pragmas on every connection, WAL
  checkpoints in a thread of the writer process.
- PostgreSQL (psycopg 3): a connect timeout and an ``application_name``; migrations under an
  advisory lock, so that replicas starting together migrate one after the other.

The URL may carry a password: messages show it through ``display_url`` only.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from tocsin.store._writer import Writer
from tocsin.store.errors import StoreLockedError, StoreUnavailable

__all__ = [
    "HEAD_REVISION",
    "Database",
    "DatabaseOptions",
    "create_store_engine",
    "describe_error",
    "display_url",
    "head_revision",
    "sqlite_url_for",
]

T = TypeVar("T")
log = logging.getLogger(__name__)
_MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url_for(data_dir: str | os.PathLike[str]) -> str:
    """The URL of the SQLite file inside a data directory."""
    return f"sqlite:///{Path(data_dir).resolve() / 'tocsin.db'}"


@dataclass(frozen=True, slots=True)
class DatabaseOptions:
    """How to open the database."""

    url: str
    sqlite_synchronous: str = "NORMAL"


HEAD_REVISION = "0005"
"""The newest migration. Kept here so that a start-up at head never imports Alembic; a test
checks it against the migration scripts."""


def head_revision() -> str:
    """The head revision as Alembic computes it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(_MIGRATIONS)).get_current_head()
    assert head is not None
    return head


_BACKENDS = ("sqlite", "postgresql")
_URL_FORMS = "sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
_CONNECT_TIMEOUT = 10  # seconds, PostgreSQL; a ``connect_timeout`` in the URL wins
_MIGRATION_LOCK = 0x746F_6373_696E  # "tocsin": the advisory lock held while migrating


def _normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3, the driver tocsin uses."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _parse_url(url: str | URL) -> URL:
    """The URL of a database tocsin can use (raises ``StoreUnavailable`` otherwise)."""
    if isinstance(url, URL):
        return url
    try:
        parsed = make_url(_normalise_url(url))
    except ArgumentError:
        # The text is not repeated: it may hold a password.
        raise StoreUnavailable(
            f"cannot open the database: the URL is not valid; expected {_URL_FORMS}"
        ) from None
    if parsed.get_backend_name() not in _BACKENDS:
        raise StoreUnavailable(
            f"cannot open the database: {parsed.get_backend_name()} is not supported; "
            f"expected {_URL_FORMS}"
        )
    return parsed


def display_url(url: str | URL) -> str:
    """The URL for messages: password hidden, driver left out."""
    parsed = _parse_url(url)
    shown = parsed.set(drivername=parsed.get_backend_name())
    return shown.render_as_string(hide_password=True)


def describe_error(exc: BaseException, url: str | URL | None = None) -> str:
    """A database error on one line: the driver's own message, without SQLAlchemy's
    statement, parameters and links; the URL's password, should it appear, is masked."""
    cause: BaseException = exc
    if isinstance(exc, DBAPIError) and isinstance(exc.orig, BaseException):
        cause = exc.orig
    lines = [
        line.strip()
        for line in str(cause).splitlines()
        if line.strip() and not line.startswith("(Background on this error")
    ]
    message = "; ".join(lines) or cause.__class__.__name__
    password = None if url is None else _parse_url(url).password
    if password:
        message = message.replace(str(password), "***")
    return message


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def _migrate(conn: Connection) -> None:
    """Bring the schema to the head revision, in the caller's transaction."""
    if conn.dialect.name == "postgresql":
        # Released at commit; a replica that waited finds the schema at head.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    current = _current_revision(conn)
    if current != HEAD_REVISION:
        log.info("migrating the database schema to the current version")
        _upgrade(conn, current)


def _upgrade(conn: Connection, current: str | None) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = conn
    try:
        command.upgrade(cfg, "head")
    except CommandError as exc:
        # Most likely a newer tocsin migrated this database (another replica, a rollback).
        raise StoreUnavailable(
            f"cannot open the database: its schema is at revision {current}, which this "
            f"version of tocsin (at {HEAD_REVISION}) does not know: {exc}"
        ) from exc


class Database:
    """An open database: a read connection for start-up, and the writer process."""

    def __init__(self, engine: Engine, lock_fd: int | None, writer: Writer) -> None:
        self.engine = engine
        self._lock_fd = lock_fd
        self.writer = writer

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, options: DatabaseOptions) -> Database:
        """Open, lock (SQLite), migrate to the head revision, and start the writer.

        Raises ``StoreUnavailable`` (one line, no password) when the database cannot be
        used, ``StoreLockedError`` when another server holds the SQLite file.
        """
        url = _parse_url(options.url)
        lock_fd: int | None = None
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                raise StoreUnavailable("an in-memory SQLite database is not durable; give a file")
            path = Path(url.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            lock_fd = _lock_sqlite_file(path)
        try:
            engine = create_store_engine(url, options.sqlite_synchronous)
        except StoreUnavailable:
            _unlock(lock_fd)
            raise
        try:
            with engine.connect() as conn, conn.begin():
                _migrate(conn)
        except StoreUnavailable:
            engine.dispose()
            _unlock(lock_fd)
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            _unlock(lock_fd)
            raise StoreUnavailable(
                f"cannot open the database: {describe_error(exc, url)} ({display_url(url)})"
            ) from exc
        writer = Writer(
            url.render_as_string(hide_password=False),
            options.sqlite_synchronous,
            pass_fds=() if lock_fd is None else (lock_fd,),
        )
        return cls(engine, lock_fd, writer)

    def read(self, fn: Callable[[Connection], T]) -> T:
        """Run a read on its own connection (start-up, tools); blocking."""
        with self.engine.connect() as conn:
            return fn(conn)

    async def write(self, op: str, args: Any) -> Any:
        """Run the named write operation (see ``_ops``); returns once it is committed.

        Raises ``StoreUnavailable`` when the write fails.
        """
        return await self.writer.submit(op, args)

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()
        _unlock(self._lock_fd)
        self._lock_fd = None

    def get_meta(self, key: str) -> str | None:
        from tocsin.store._schema import meta

        def run(conn: Connection) -> str | None:
            row = conn.execute(select(meta.c.value).where(meta.c.key == key)).first()
            return None if row is None else str(row[0])

        return self.read(run)


def create_store_engine(
    url: str | URL, synchronous: str = "NORMAL", *, name: str = "tocsin"
) -> Engine:
    """An engine configured as tocsin runs it (SQLite: WAL, pragmas; PostgreSQL: psycopg,
    a connect timeout, and ``name`` as the ``application_name`` shown in
    ``pg_stat_activity``)."""
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, synchronous)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = _CONNECT_TIMEOUT
    if "application_name" not in parsed.query:
        connect_args["application_name"] = name
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        raise StoreUnavailable(
            f"cannot use {parsed.get_backend_name()}: the driver {exc.name!r} is not installed"
        ) from exc


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "BEGIN" start transactions, not the sqlite3 module.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=5000")
        # 8 MiB of page cache per connection: writes append to the end of the alert log,
        # so few pages are hot; a larger cache only adds to the resident memory.
        cur.execute("PRAGMA cache_size=-8192")
        # Checkpoints (which write and fsync the database file) run in their own thread,
        # never in a commit of the writer.
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def _lock_sqlite_file(path: Path, wait: float = 3.0) -> int:
    """Take the file's lock; the writer process inherits it, so that a killed server's
    writer finishing its last commit still holds it for the moment it needs."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreLockedError(
                f"another tocsin server (pid {holder}) is using {path}; SQLite mode runs one "
                "server per file: stop it, or give this one another --data-dir"
            ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
