"""One writer thread with group commit.

Requests from the event loop are queued; the writer drains everything queued, runs it in one
transaction and commits once, then wakes every waiting request with a single call into the
loop. A batch that fails is replayed one operation per transaction, so one bad operation
fails alone. The event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

__all__ = ["Writer"]

T = TypeVar("T")
Operation = Callable[[Connection], Any]
log = logging.getLogger(__name__)

_MAX_BATCH = 512


@dataclass(slots=True)
class _Job:
    operation: Operation
    future: asyncio.Future[Any]


class Writer:
    """Runs write operations on one connection in a background thread."""

    def __init__(self, engine: Engine, *, on_commit: Callable[[int, float], None] | None = None):
        self._engine = engine
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="tocsin-writer", daemon=True)
        self._on_commit = on_commit
        self._closed = False
        self._thread.start()

    async def submit(self, operation: Callable[[Connection], T]) -> T:
        """Run ``operation`` in a transaction; returns once it is committed."""
        if self._closed:
            raise RuntimeError("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put(_Job(operation, future))
        return await future

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        with self._engine.connect() as conn:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                jobs = [first]
                stop = False
                while len(jobs) < _MAX_BATCH:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    jobs.append(job)
                started = time.perf_counter()
                self._run_batch(conn, jobs)
                if self._on_commit is not None:
                    self._on_commit(len(jobs), time.perf_counter() - started)
                if stop:
                    return

    def _run_batch(self, conn: Connection, jobs: list[_Job]) -> None:
        results: list[tuple[_Job, Any, BaseException | None]]
        try:
            with conn.begin():
                values = [job.operation(conn) for job in jobs]
        except Exception as exc:
            if len(jobs) == 1:
                log.error("store write failed", exc_info=exc)
                results = [(jobs[0], None, exc)]
            else:
                results = [_run_alone(conn, job) for job in jobs]
        else:
            results = [(job, value, None) for job, value in zip(jobs, values, strict=True)]
        _deliver(results)


def _run_alone(conn: Connection, job: _Job) -> tuple[_Job, Any, BaseException | None]:
    try:
        with conn.begin():
            return job, job.operation(conn), None
    except Exception as exc:
        log.error("store write failed", exc_info=exc)
        return job, None, exc


def _deliver(results: list[tuple[_Job, Any, BaseException | None]]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, Any, BaseException | None]]] = {}
    for item in results:
        by_loop.setdefault(item[0].future.get_loop(), []).append(item)
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_resolve, items)


def _resolve(items: list[tuple[_Job, Any, BaseException | None]]) -> None:
    for job, value, exc in items:
        if job.future.done():
            continue
        if exc is None:
            job.future.set_result(value)
        else:
            job.future.set_exception(exc)
