"""A webhook receiver on 127.0.0.1 that records what arrives, and when."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.ports import free_port

__all__ = ["Sink", "webhook_sink"]


class Sink:
    """A webhook receiver on 127.0.0.1 that records payloads and arrival times."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sink.received.append((time.monotonic(), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def times(self, start: float) -> list[float]:
        return [round(t - start, 2) for t, _ in self.received]


@pytest.fixture
def webhook_sink() -> Iterator[Sink]:
    """A running :class:`Sink`, stopped after the test."""
    s = Sink()
    s.thread.start()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.server.server_close()
