"""The webhook sink: answers 200 to everything and records the notifications it receives.

Run as its own process (``python -m bench._sink``), so that its work never shares an
interpreter with the bench; it prints the port it bound (127.0.0.1 only), one line on stdout,
and serves until SIGTERM or SIGINT.

- ``POST /PATH``: a webhook notification, recorded under ``/PATH`` with its arrival time;
- ``GET /PATH?from=N``: the records of ``/PATH`` from the N-th on, as a JSON array;
- ``DELETE /PATH``: forget the records of ``/PATH``.

Arrival times come from :func:`clock`, ``CLOCK_MONOTONIC``: one clock for the whole machine,
so they compare directly with :func:`clock` read in the bench process.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

__all__ = ["clock", "record_of"]


def clock() -> float:
    """Seconds on ``CLOCK_MONOTONIC``, shared by every process of the machine."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def _alert_key(alert: dict[str, Any]) -> str:
    fingerprint = alert.get("fingerprint")
    if isinstance(fingerprint, str) and fingerprint:
        return fingerprint
    labels = alert.get("labels") or {}
    return orjson.dumps(labels, option=orjson.OPT_SORT_KEYS).decode()


def record_of(arrived: float, body: bytes) -> dict[str, Any]:
    """What the bench needs of one webhook notification."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        return {"t": arrived, "group_key": None, "status": None, "group_labels": {}, "alerts": []}
    alerts = [alert for alert in payload.get("alerts") or [] if isinstance(alert, dict)]
    return {
        "t": arrived,
        "group_key": payload.get("groupKey"),
        "status": payload.get("status"),
        "group_labels": payload.get("groupLabels") or {},
        "alerts": [_alert_key(alert) for alert in alerts],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Alertmanager opens a connection per concurrent notification: a storm of 500 groups
    # would overflow socketserver's default backlog of 5 and stall on SYN retries.
    request_queue_size = 4096

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.records: dict[str, list[dict[str, Any]]] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, body: bytes = b"", content_type: str = "application/json") -> None:
        self.send_response(200)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self) -> None:
        body = self._read_body()
        arrived = clock()
        record = record_of(arrived, body)
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.records.setdefault(path, []).append(record)
        self._answer()

    do_PUT = do_POST

    def do_GET(self) -> None:
        self._read_body()
        url = urlsplit(self.path)
        start = int(parse_qs(url.query).get("from", ["0"])[0])
        with self.server.lock:
            records = self.server.records.get(url.path, [])[start:]
        self._answer(orjson.dumps(records))

    def do_DELETE(self) -> None:
        self._read_body()
        with self.server.lock:
            self.server.records.pop(urlsplit(self.path).path, None)
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> int:
    server = _Server()

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
