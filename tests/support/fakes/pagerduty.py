"""A fake PagerDuty Events API (v2 and v1) on 127.0.0.1, for channel and end-to-end tests.

Usage::

    with FakePagerDuty() as pd:
        config = f"pagerduty_configs: [{{routing_key: {ROUTING_KEY}, url: {pd.url}}}]"
        ...                                   # make tocsin (or Alertmanager) send
        pd.wait_for_events(1)
        assert pd.events[0]["event_action"] == "trigger"

Endpoints (any path works; the two real ones are given as ``url`` and ``v1_url``):

- ``POST /v2/enqueue``: Events API v2. A valid event is answered ``202
  {"status":"success","message":"Event processed","dedup_key":…}`` (the event's dedup key,
  or a new one for a trigger without). It is validated as PagerDuty does: a JSON object, a
  32-character ``routing_key``, an ``event_action`` of trigger, acknowledge or resolve, a
  ``dedup_key`` for acknowledge and resolve, and for a trigger a ``payload`` with
  ``summary``, ``source`` and ``severity`` (one of critical, error, warning, info); a
  summary of at most 1024 characters and a body of at most 512 KB. Anything else is ``400
  {"status":"invalid event","message":"Event object is invalid","errors":[…]}``.
- ``POST /generic/2010-04-15/create_event.json``: Events API v1. A 32-character
  ``service_key``, an ``event_type`` of trigger, acknowledge or resolve, a ``description``
  for a trigger and an ``incident_key`` otherwise; ``200
  {"status":"success","message":"Event processed","incident_key":…}``, else the same 400.

``requests`` records every request (``Seen``: method, path, headers, body); ``events`` the
parsed events that were accepted, in order. Programming, applied to the next requests in
the order given, before validation: :meth:`fail_next` (a status, headers and body),
:meth:`hang_next` (no answer until the fake closes), :meth:`malformed_next` (a success
status with a body that is not JSON). Stop it with :meth:`close` (or a ``with`` block).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import orjson
from tests.channels.local_servers import LocalServer, Reply, Seen

__all__ = [
    "INVALID_EVENT",
    "ROUTING_KEY",
    "SERVICE_KEY",
    "V1_PATH",
    "V2_PATH",
    "FakePagerDuty",
]

V2_PATH = "/v2/enqueue"
V1_PATH = "/generic/2010-04-15/create_event.json"
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
"""A valid (32-character) routing key."""
SERVICE_KEY = "SERV1CEKEY0123456789abcdefABCDEF"
"""A valid (32-character) service key."""
INVALID_EVENT = "Event object is invalid"
SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")
MAX_BODY = 512 * 1024
JSON = {"Content-Type": "application/json"}


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _v2_errors(event: Mapping[str, Any]) -> list[str]:
    errors = []
    key = event.get("routing_key")
    if _blank(key):
        errors.append("'routing_key' is missing or blank")
    elif len(str(key)) != 32:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
    if action in ("acknowledge", "resolve") and _blank(event.get("dedup_key")):
        errors.append("'dedup_key' is missing or blank")
    if action != "trigger":
        return errors
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return [*errors, "'payload' is missing or not an object"]
    for name in ("summary", "source", "severity"):
        if _blank(payload.get(name)):
            errors.append(f"'payload.{name}' is missing or blank")
    if not _blank(payload.get("severity")) and payload["severity"] not in SEVERITIES:
        errors.append(
            "'payload.severity' is invalid (must be one of: critical, error, warning, info)"
        )
    if isinstance(payload.get("summary"), str) and len(payload["summary"]) > 1024:
        errors.append("'payload.summary' is too long (at most 1024 characters)")
    return errors


def _v1_errors(event: Mapping[str, Any]) -> list[str]:
    errors = []
    key = event.get("service_key")
    if _blank(key):
        errors.append("Service key is missing or blank")
    elif len(str(key)) != 32:
        errors.append("Service key is the wrong length (should be 32 characters)")
    kind = event.get("event_type")
    if kind not in ACTIONS:
        errors.append("Event type is invalid (must be one of: trigger, acknowledge, resolve)")
    if kind == "trigger" and _blank(event.get("description")):
        errors.append("Description is missing or blank")
    if kind in ("acknowledge", "resolve") and _blank(event.get("incident_key")):
        errors.append("Incident key is missing or blank")
    return errors


def _invalid(errors: list[str]) -> Reply:
    body = {"status": "invalid event", "message": INVALID_EVENT, "errors": errors}
    return Reply(400, orjson.dumps(body), dict(JSON))


class FakePagerDuty:
    """PagerDuty's Events API on 127.0.0.1 (see the module's description)."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.events: list[dict[str, Any]] = []
        self._program: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = LocalServer(self._answer)
        self.port = self._server.port
        self.base_url = self._server.url("")
        self.url = self._server.url(V2_PATH)
        """The Events API v2 endpoint (``url`` of a ``pagerduty_configs`` entry)."""
        self.v1_url = self._server.url(V1_PATH)
        """The Events API v1 endpoint."""

    # --- programming ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (a JSON error body unless
        ``body`` is given) and ``headers`` (e.g. ``{"Retry-After": "3"}``)."""
        if body is None:
            body = orjson.dumps({"status": "error", "message": f"fake failure {status}"})
        data = body.encode() if isinstance(body, str) else body
        reply = Reply(status, data, {**JSON, **(headers or {})})
        with self._lock:
            self._program.extend([reply] * times)

    def hang_next(self, times: int = 1) -> None:
        """Leave the next ``times`` requests unanswered until the fake closes."""
        with self._lock:
            self._program.extend([Reply(hang=True)] * times)

    def malformed_next(self, times: int = 1, status: int = 202) -> None:
        """Answer the next ``times`` requests with ``status`` and a body that is not JSON."""
        with self._lock:
            self._program.extend([Reply(status, b"<html>not json", {})] * times)

    # --- answering -----------------------------------------------------------------------

    def _answer(self, seen: Seen) -> Reply:
        self.requests.append(seen)
        with self._lock:
            programmed = self._program.popleft() if self._program else None
        if programmed is not None:
            return programmed
        if seen.method != "POST":
            return Reply(405, b"method not allowed")
        if len(seen.body) > MAX_BODY:
            return _invalid(["Event object is too large (at most 512 KB)"])
        try:
            event = orjson.loads(seen.body)
        except orjson.JSONDecodeError:
            return _invalid(["Event object is not valid JSON"])
        if not isinstance(event, dict):
            return _invalid(["Event object is not a JSON object"])
        v1 = seen.path.split("?")[0].endswith("create_event.json")
        errors = _v1_errors(event) if v1 else _v2_errors(event)
        if errors:
            return _invalid(errors)
        self.events.append(event)
        name = "incident_key" if v1 else "dedup_key"
        key = event.get(name) or uuid.uuid4().hex
        answer = {"status": "success", "message": "Event processed", name: key}
        return Reply(200 if v1 else 202, orjson.dumps(answer), dict(JSON))

    # --- reading -------------------------------------------------------------------------

    def wait_for_events(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The accepted events once there are at least ``count``; AssertionError after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"{len(self.events)} events, wanted {count}"
            time.sleep(0.02)
        return list(self.events)

    def close(self) -> None:
        """Stop the server (unanswered requests are dropped) and join its threads."""
        self._server.close()

    def __enter__(self) -> FakePagerDuty:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
