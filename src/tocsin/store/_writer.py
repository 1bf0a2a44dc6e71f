"""The server's side of the writer process: submit a write, await its commit.

Requests and replies travel over the writer process's standard input and output, read and
written by the event loop itself (non-blocking, ``add_reader``/``add_writer``): no thread
of the server touches them, so nothing waits for Python's GIL between a request and its
commit. If the writer process dies, every request in flight fails with
``StoreUnavailable``, and the next ``submit`` starts a new process.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from tocsin.store._frames import REPLY_HEADER, REQUEST_HEADER, write_all
from tocsin.store.errors import StoreUnavailable

__all__ = ["Writer"]

log = logging.getLogger(__name__)
_READ_SIZE = 1 << 20
_PIPE_SIZE = 1 << 20


class _Process:
    """One writer process and the pipes to it."""

    def __init__(
        self, settings: bytes, pass_fds: Sequence[int], on_batch: Callable[[int], None]
    ) -> None:
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self._on_batch = on_batch
        self.alive = True
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tocsin.store._writer_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=tuple(pass_fds),
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self._in = self.proc.stdin
        self._out = self.proc.stdout
        self._in_fd = self._in.fileno()
        self._out_fd = self._out.fileno()
        write_all(self._in_fd, REQUEST_HEADER.pack(len(settings), 0) + settings)
        for fd in (self._in_fd, self._out_fd):
            # A request of a hundred alerts is ~100 KB: room for several in one pipe.
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        os.set_blocking(self._in_fd, False)
        os.set_blocking(self._out_fd, False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outgoing = bytearray()
        self._incoming = bytearray()

    # -- event-loop side ------------------------------------------------------------------

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the pipes from ``loop`` (the loop of the first request, or a new one)."""
        if self._loop is loop:
            return
        old = self._loop
        if old is not None and not old.is_closed():
            old.remove_reader(self._out_fd)
            old.remove_writer(self._in_fd)
        self._loop = loop
        loop.add_reader(self._out_fd, self._on_readable)
        if self._outgoing:
            loop.add_writer(self._in_fd, self._on_writable)

    def send(self, loop: asyncio.AbstractEventLoop, frame: bytes) -> None:
        self._bind(loop)
        if self._outgoing:
            self._outgoing += frame
            return
        try:
            written = os.write(self._in_fd, frame)
        except BlockingIOError:
            written = 0
        except OSError as exc:
            self._died(f"cannot reach it: {exc}")
            return
        if written < len(frame):
            self._outgoing += frame[written:]
            loop.add_writer(self._in_fd, self._on_writable)

    def _on_writable(self) -> None:
        try:
            written = os.write(self._in_fd, self._outgoing)
        except BlockingIOError:
            return
        except OSError as exc:
            self._died(f"cannot reach it: {exc}")
            return
        del self._outgoing[:written]
        if not self._outgoing and self._loop is not None:
            self._loop.remove_writer(self._in_fd)

    def _on_readable(self) -> None:
        try:
            chunk = os.read(self._out_fd, _READ_SIZE)
        except BlockingIOError:
            return
        if not chunk:
            self._died(f"it exited (code {self.proc.wait()})")
            return
        buf = self._incoming
        buf += chunk
        header = REPLY_HEADER.size
        while len(buf) >= header:
            (size,) = REPLY_HEADER.unpack_from(buf)
            if len(buf) < header + size:
                break
            results = orjson.loads(bytes(buf[header : header + size]))
            del buf[: header + size]
            self._on_batch(len(results))
            self._settle(results)

    def _settle(self, results: list[list[Any]]) -> None:
        for request_id, ok, value in results:
            future = self.pending.pop(request_id, None)
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(StoreUnavailable(f"database write failed: {value}"))

    def _died(self, why: str) -> None:
        if not self.alive:
            return
        self.alive = False
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._out_fd)
            self._loop.remove_writer(self._in_fd)
        failed = [f for f in self.pending.values() if not f.done()]
        self.pending.clear()
        if failed:
            log.error(
                "the database writer process failed (%s) with %d writes in flight", why, len(failed)
            )
        for future in failed:
            future.set_exception(StoreUnavailable(f"the database writer process failed: {why}"))

    # -- shutdown -------------------------------------------------------------------------

    def close(self) -> None:
        """Send what is queued, close the input, and wait for the process to finish."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._out_fd)
            self._loop.remove_writer(self._in_fd)
        try:
            os.set_blocking(self._in_fd, True)
            if self._outgoing:
                write_all(self._in_fd, self._outgoing)
            self._in.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            log.error("the database writer process did not stop; killing it")
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self.alive = False


class Writer:
    """Runs named write operations in the writer process; each ``submit`` awaits its commit."""

    def __init__(self, url: str, synchronous: str, *, pass_fds: Sequence[int] = ()) -> None:
        self._settings = orjson.dumps({"url": url, "synchronous": synchronous})
        self._pass_fds = tuple(pass_fds)
        self._ids = itertools.count(1)
        self._closed = False
        self.on_batch: Callable[[int], None] | None = None
        """Told how many writes each commit carried (for the group-commit metric)."""
        self._process = self._start()

    def _start(self) -> _Process:
        return _Process(self._settings, self._pass_fds, self._batch_committed)

    def _batch_committed(self, size: int) -> None:
        if self.on_batch is not None:
            self.on_batch(size)

    async def submit(self, op: str, args: Any) -> Any:
        """Run operation ``op`` with ``args``; returns its result once committed."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        process = self._process
        if not process.alive:
            log.warning("starting a new database writer process")
            process.close()
            process = self._process = self._start()
        request_id = next(self._ids)
        payload = orjson.dumps([op, args])
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        process.pending[request_id] = future
        process.send(loop, REQUEST_HEADER.pack(len(payload), request_id) + payload)
        return await future

    @property
    def pid(self) -> int:
        return self._process.proc.pid

    def close(self) -> None:
        """Let the writer commit what it was sent, then stop it."""
        if self._closed:
            return
        self._closed = True
        self._process.close()
