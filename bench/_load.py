"""The load loop: pre-serialised batches posted from C keep-alive connections.

Two clients: ``raw`` (HTTP/1.1 over asyncio streams, the cheapest on the CPU, so that the
client leaves the cores to the server) and ``httpx``. Both are bounded by the number of
batches and by a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field

import httpx

from bench._procfs import machine_cpu_seconds

__all__ = ["CLIENTS", "LoadResult", "percentile", "run_load"]

CLIENTS = ("raw", "httpx")
_MAX_ERRORS_KEPT = 5


@dataclass(slots=True)
class LoadResult:
    requests: int = 0
    ok: int = 0
    accepted_alerts: int = 0
    """Alerts in the requests answered 200."""
    failures: int = 0
    """Requests that did not end in a 200 (other status, connection error, timeout)."""
    not_sent: int = 0
    """Batches left when the deadline passed."""
    timed_out: bool = False
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0
    """CPU seconds of the bench process while the load ran."""
    machine_busy: float = 0.0
    """Busy CPU seconds of the whole machine while the load ran."""

    def record(self, status: str, latency: float, error: str | None, alerts: int) -> None:
        self.requests += 1
        self.statuses[status] += 1
        self.latencies.append(latency)
        if status == "200":
            self.ok += 1
            self.accepted_alerts += alerts
        else:
            self.failures += 1
            if error and len(self.errors) < _MAX_ERRORS_KEPT:
                self.errors.append(error)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of already sorted values; NaN when empty."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n*q/100), at least 1
    return sorted_values[min(int(rank), len(sorted_values)) - 1]


class _RawConnection:
    """One HTTP/1.1 keep-alive connection; reconnects after errors or ``Connection: close``."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, payload: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=1 << 20
            )
        assert self.reader is not None
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = -1
        chunked = close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")  # no trailers expected
                    break
                body += await self.reader.readexactly(size + 2)
                del body[-2:]
            data = bytes(body)
        elif length >= 0:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            await self.close()
        return status, data


def _raw_request(host: str, port: int, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: tocsin-bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _run_raw(
    *,
    host: str,
    port: int,
    payloads: list[bytes],
    sizes: tuple[int, ...],
    concurrency: int,
    deadline: float,
    timeout: float,
    result: LoadResult,
) -> None:
    todo = iter(zip(payloads, sizes, strict=True))

    async def worker() -> None:
        conn = _RawConnection(host, port)
        try:
            for payload, size in todo:
                if time.monotonic() > deadline:
                    result.not_sent += 1
                    result.timed_out = True
                    continue
                started = time.perf_counter()
                try:
                    status, data = await asyncio.wait_for(conn.request(payload), timeout)
                except (
                    OSError,
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    ValueError,
                    TimeoutError,
                ) as exc:
                    await conn.close()
                    result.record(
                        type(exc).__name__, time.perf_counter() - started, repr(exc), size
                    )
                    continue
                latency = time.perf_counter() - started
                error = None if status == 200 else f"{status}: {data[:300]!r}"
                result.record(str(status), latency, error, size)
        finally:
            await conn.close()

    await _timed(result, [worker() for _ in range(concurrency)])


async def _run_httpx(
    *,
    host: str,
    port: int,
    payloads: list[bytes],
    sizes: tuple[int, ...],
    concurrency: int,
    deadline: float,
    timeout: float,
    result: LoadResult,
) -> None:
    todo = iter(zip(payloads, sizes, strict=True))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Content-Type": "application/json", "User-Agent": "tocsin-bench"}
    url = f"http://{host}:{port}/api/v2/alerts"
    async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:

        async def worker() -> None:
            for body, size in todo:
                if time.monotonic() > deadline:
                    result.not_sent += 1
                    result.timed_out = True
                    continue
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    result.record(
                        type(exc).__name__, time.perf_counter() - started, repr(exc), size
                    )
                    continue
                latency = time.perf_counter() - started
                status = response.status_code
                error = None if status == 200 else f"{status}: {response.content[:300]!r}"
                result.record(str(status), latency, error, size)

        await _timed(result, [worker() for _ in range(concurrency)])


async def _timed(result: LoadResult, workers: list[Coroutine[None, None, None]]) -> None:
    """Run the workers; wall-clock time and CPU time (bench, machine) go into ``result``."""
    machine_started = machine_cpu_seconds()[0]
    cpu_started = time.process_time()
    started = time.perf_counter()
    try:
        await asyncio.gather(*workers)
    finally:
        result.elapsed = time.perf_counter() - started
        result.client_cpu = time.process_time() - cpu_started
        result.machine_busy = machine_cpu_seconds()[0] - machine_started


def run_load(
    *,
    host: str,
    port: int,
    bodies: tuple[bytes, ...],
    sizes: tuple[int, ...],
    concurrency: int,
    timeout: float,
    client: str = "raw",
    use_uvloop: bool = True,
) -> LoadResult:
    """Post every body once (``sizes``: alerts per body); stop sending after ``timeout`` s."""
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}; expected one of {', '.join(CLIENTS)}")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    result = LoadResult()
    if client == "raw":
        payloads = [_raw_request(host, port, "/api/v2/alerts", body) for body in bodies]
        runner = _run_raw
    else:
        payloads = list(bodies)
        runner = _run_httpx
    request_timeout = min(timeout, 60.0)
    loop_factory = None
    if use_uvloop:
        try:
            import uvloop

            loop_factory = uvloop.new_event_loop
        except ImportError:
            loop_factory = None
    deadline = time.monotonic() + timeout
    with asyncio.Runner(loop_factory=loop_factory) as loop_runner:
        loop_runner.run(
            runner(
                host=host,
                port=port,
                payloads=payloads,
                sizes=sizes,
                concurrency=concurrency,
                deadline=deadline,
                timeout=request_timeout,
                result=result,
            )
        )
    result.latencies.sort()
    return result
