"""The writer process: runs every database write, with group commit.

It reads requests from standard input, runs all those available in one transaction,
commits once, and answers on standard output. A batch that fails is replayed one request
per transaction, so one bad request fails alone. It exits when its input closes — also
when the server that started it is killed — after finishing the batch in hand.

A process of its own, not a thread: SQLite and the driver hold Python's GIL for part of
every call, and a writer thread sharing the GIL with a busy event loop halves both.

With PostgreSQL the connection can be lost (server restart, network). The batch in hand then
fails as a whole — not replayed, since a commit cut off midway may or may not have happened —
and the next batch connects again; while the database cannot be reached, every batch fails
at once with the reason, and the process lives on.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
from typing import Any

import orjson
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tocsin.store._frames import REPLY_HEADER, REQUEST_HEADER, FrameReader, write_all
from tocsin.store._ops import OPERATION_MODULES, OPERATIONS
from tocsin.store.database import create_store_engine, describe_error

log = logging.getLogger("tocsin.store.writer")

_MAX_BATCH = 512
Result = list[Any]  # [request id, ok, result or error message]


def _run_one(conn: Connection, request_id: int, op: str, args: Any) -> Result:
    try:
        with conn.begin():
            return [request_id, True, OPERATIONS[op](conn, args)]
    except Exception as exc:
        # The driver's one-line message: never the statement or its parameters.
        message = f"{exc.__class__.__name__}: {describe_error(exc)}"
        log.error("write %s failed: %s", op, message)
        return [request_id, False, message]


def _fail_all(requests: list[tuple[int, str, Any]], why: str) -> list[Result]:
    log.error("%d writes failed: %s", len(requests), why)
    return [[request_id, False, why] for request_id, _, _ in requests]


def run_batch(conn: Connection, requests: list[tuple[int, str, Any]]) -> list[Result]:
    """Run requests in one transaction and commit once; on failure, each in its own.

    The batch is what had arrived when the writer became free: it is not held open for
    later arrivals, so answers flow back while the server prepares the next requests. If the
    connection was lost, the whole batch fails (the next use of ``conn`` reconnects).
    """
    try:
        with conn.begin():
            values = [OPERATIONS[op](conn, args) for _, op, args in requests]
    except Exception as exc:
        if conn.invalidated:
            return _fail_all(requests, f"the database connection was lost: {describe_error(exc)}")
        return [_run_one(conn, *request) for request in requests]
    return [[rid, True, value] for (rid, _, _), value in zip(requests, values, strict=True)]


class _Connector:
    """The writer's one connection, opened when a batch needs it and no sooner."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.conn: Connection | None = None

    def run(self, requests: list[tuple[int, str, Any]]) -> list[Result]:
        if self.conn is None:
            try:
                self.conn = self._engine.connect()
            except SQLAlchemyError as exc:
                return _fail_all(requests, f"cannot connect to the database: {describe_error(exc)}")
        return run_batch(self.conn, requests)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _decode(frames: list[tuple[tuple[int, ...], bytes]]) -> list[tuple[int, str, Any]]:
    requests = []
    for (_, request_id), payload in frames:
        op, args = orjson.loads(payload)
        requests.append((request_id, op, args))
    return requests


class _Checkpointer:
    """Copies SQLite's write-ahead log into the database file, beside the writer."""

    def __init__(self, conn: Any, interval: float = 1.0) -> None:
        self._conn = conn
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except Exception as exc:  # busy: try again next time
                log.warning("WAL checkpoint failed: %s", exc)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def main() -> int:
    # The server stops this process by closing its pipe, after the last write. A signal
    # sent to the whole process group (Ctrl-C in a terminal, systemd's control-group stop)
    # must not kill it first and fail the writes of the graceful shutdown.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format='ts=%(asctime)s level=%(levelname)s logger=%(name)s msg="%(message)s"',
    )
    out_fd = os.dup(1)
    os.dup2(2, 1)  # stray prints must never corrupt the reply stream
    reader = FrameReader(0, REQUEST_HEADER)
    first = reader.read(limit=1)
    if not first:
        return 0
    settings = orjson.loads(first[0][1])
    engine = create_store_engine(settings["url"], settings["synchronous"], name="tocsin writer")
    for module in OPERATION_MODULES:
        importlib.import_module(module)
    checkpointer = None
    if engine.dialect.name == "sqlite":
        checkpoint_conn = engine.raw_connection()
        checkpointer = _Checkpointer(checkpoint_conn.driver_connection)
    connector = _Connector(engine)
    try:
        while True:
            frames = reader.read(limit=_MAX_BATCH)
            if not frames:
                break
            body = orjson.dumps(connector.run(_decode(frames)))
            write_all(out_fd, REPLY_HEADER.pack(len(body)) + body)
    except BrokenPipeError:
        pass  # the server is gone; everything committed stays committed
    finally:
        connector.close()
        if checkpointer is not None:
            checkpointer.close()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
