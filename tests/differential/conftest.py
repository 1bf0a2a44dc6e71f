"""Fixtures for differential tests against the real Alertmanager 0.25."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.alertmanager import (
    WEBHOOK_CONFIG,
    AlertmanagerProcess,
    running_alertmanager,
)
from tests.support.ports import free_port


@pytest.fixture(scope="module")
def alertmanager() -> Iterator[AlertmanagerProcess]:
    """A real Alertmanager, one per test module, notifying a closed local port."""
    with running_alertmanager(WEBHOOK_CONFIG) as am:
        yield am


@pytest.fixture
def sink() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, received
    finally:
        server.shutdown()
        server.server_close()
