"""A throwaway PostgreSQL cluster for tests, and a fresh database per test.

Usage (the fixtures are registered in ``tests/conftest.py``)::

    def test_something(postgres_cluster: PostgresCluster) -> None:
        url = postgres_cluster.create_database()   # postgresql://postgres@127.0.0.1:PORT/t_…

The cluster is made with ``initdb`` in a directory under ``/tmp`` and served by one
``postgres`` process that listens on 127.0.0.1 only, on a free port, with its unix socket
inside that directory and trust authentication. ``initdb`` refuses to run as root, so when
the tests run as root both run as the ``postgres`` user, in a directory chowned to it.
Durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the tests kill
tocsin, never the database server. The server is stopped by its PID (fast shutdown) and the
directory removed when the session ends; one cluster per xdist worker.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .ports import free_port
from .processes import stop_process

__all__ = ["PG_BIN", "PostgresCluster", "PostgresError", "postgres_cluster", "running_postgres"]

PG_BIN = Path(os.environ.get("TOCSIN_PG_BIN", "/usr/lib/postgresql/15/bin"))
_USER = "postgres"  # the superuser initdb creates, and the OS user that runs it under root
_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
_PORT_ATTEMPTS = 3
_FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PostgresError(RuntimeError):
    """The throwaway cluster could not be made or started."""


@dataclass(frozen=True, slots=True)
class PostgresCluster:
    """A running throwaway cluster."""

    port: int
    pid: int
    workdir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"t_{uuid.uuid4().hex}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # a fixed hex name: nothing to quote
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``create_database``, closing its connections first."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _binary(name: str) -> str:
    path = PG_BIN / name
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"PostgreSQL is not installed ({path} is missing): run `make test`, which installs "
            "the Debian package `postgresql`, or set TOCSIN_PG_BIN to its bin directory",
            pytrace=False,
        )
    return str(path)


def _as_postgres() -> dict[str, Any]:
    """Popen arguments that run a child as the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(_USER)
    except KeyError:
        pytest.fail(f"running as root, but there is no {_USER!r} user to run initdb as")
    return {"user": _USER, "group": _USER, "extra_groups": []}


def _make_workdir() -> Path:
    # pytest's temporary directories sit under a 0700 directory the postgres user cannot enter.
    workdir = Path(tempfile.mkdtemp(prefix="tocsin-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(_USER)
        os.chown(workdir, entry.pw_uid, entry.pw_gid)
    return workdir


def _initdb(workdir: Path) -> Path:
    data = workdir / "data"
    result = subprocess.run(
        [
            _binary("initdb"),
            "--pgdata",
            str(data),
            "--username",
            _USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
            "--no-instructions",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=workdir,
        check=False,
        **_as_postgres(),
    )
    if result.returncode != 0:
        raise PostgresError(
            f"initdb failed with status {result.returncode}:\n"
            f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}"
        )
    return data


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Fast shutdown by PID (SIGINT), then SIGKILL if it takes too long."""
    stop_process(proc, signal.SIGINT, _STOP_TIMEOUT_S)


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while True:
        code = proc.poll()
        if code is not None:
            raise PostgresError(
                f"postgres exited with status {code} before it was ready:\n"
                f"{log_path.read_text(errors='replace')}"
            )
        try:
            with psycopg.connect(
                f"postgresql://{_USER}@127.0.0.1:{port}/postgres", connect_timeout=2
            ):
                return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise PostgresError(
                f"postgres was not ready after {_READY_TIMEOUT_S:.0f} s:\n"
                f"{log_path.read_text(errors='replace')}"
            )
        time.sleep(0.05)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresCluster]:
    """Make and start a throwaway cluster; stop it and remove its directory at the end."""
    postgres = _binary("postgres")
    workdir = _make_workdir()
    try:
        data = _initdb(workdir)
        last_error: PostgresError | None = None
        for attempt in range(_PORT_ATTEMPTS):
            port = free_port()
            log_path = workdir / f"postgres-{attempt}.log"
            settings = [
                "listen_addresses=127.0.0.1",
                f"port={port}",
                f"unix_socket_directories={workdir}",
                "max_connections=200",
                *_FAST_SETTINGS,
            ]
            with log_path.open("wb") as log_file:
                proc = subprocess.Popen(
                    [postgres, "-D", str(data), *(a for s in settings for a in ("-c", s))],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    cwd=workdir,
                    **_as_postgres(),
                )
            try:
                _wait_ready(proc, port, log_path)
            except PostgresError as exc:
                _stop(proc)
                last_error = exc
                if "already in use" in str(exc):
                    continue  # another process took the port between probe and bind
                raise
            except BaseException:
                _stop(proc)
                raise
            try:
                yield PostgresCluster(port=port, pid=proc.pid, workdir=workdir)
            finally:
                _stop(proc)
            return
        assert last_error is not None
        raise last_error
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway cluster per test session (per xdist worker)."""
    with running_postgres() as cluster:
        yield cluster
