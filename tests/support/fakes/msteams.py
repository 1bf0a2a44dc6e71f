"""A fake Microsoft Teams Workflows webhook on 127.0.0.1, for channel and end-to-end tests.

Usage::

    with FakeTeams() as teams:
        config = f"msteamsv2_configs: [{{webhook_url: '{teams.webhook_url}'}}]"
        ...                                   # make tocsin send
        (card,) = teams.wait_for_cards(1)
        assert card["body"][0]["text"] == "…"

``webhook_url`` looks like a Workflows trigger URL, with a secret ``sig`` query parameter
(``SIGNATURE``) that tests can look for in errors and logs. Any path is answered.

A message is accepted (``202``, empty body, as Workflows answer) when it is a JSON object
of ``"type": "message"`` whose ``attachments`` is a non-empty list of
``application/vnd.microsoft.card.adaptive`` attachments, each with a ``content`` of
``"type": "AdaptiveCard"``, a ``version`` and a ``body`` list. Anything else is ``400
{"error":{"code":"InvalidRequestContent","message":…}}``.

``requests`` records every request (``Seen``: method, path, headers, body); ``messages``
the accepted messages and ``cards`` their first attachment's card, in order. Programming,
applied to the next requests in the order given, before validation: :meth:`fail_next` (a
status, headers and body), :meth:`hang_next` (no answer until the fake closes),
:meth:`malformed_next` (a success status with a body that is not JSON). Stop it with
:meth:`close` (or a ``with`` block).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import orjson
from tests.channels.local_servers import LocalServer, Reply, Seen

__all__ = ["ADAPTIVE_CARD", "SIGNATURE", "WORKFLOW_PATH", "FakeTeams"]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SIGNATURE = "s1gN4tur3-S3CRET-v4lue"
WORKFLOW_PATH = (
    "/workflows/0c1d2e3f4a5b/triggers/manual/paths/invoke"
    f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIGNATURE}"
)


def _errors(message: Any) -> list[str]:
    if not isinstance(message, dict):
        return ["the request body is not a JSON object"]
    if message.get("type") != "message":
        return ["'type' must be 'message'"]
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["'attachments' must be a non-empty array"]
    errors = []
    for i, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or attachment.get("contentType") != ADAPTIVE_CARD:
            errors.append(f"attachments[{i}].contentType must be {ADAPTIVE_CARD}")
            continue
        content = attachment.get("content")
        if not isinstance(content, dict) or content.get("type") != "AdaptiveCard":
            errors.append(f"attachments[{i}].content must be an AdaptiveCard")
            continue
        if not isinstance(content.get("version"), str):
            errors.append(f"attachments[{i}].content.version is missing")
        if not isinstance(content.get("body"), list):
            errors.append(f"attachments[{i}].content.body must be an array")
    return errors


def _bad_request(errors: list[str]) -> Reply:
    body = {"error": {"code": "InvalidRequestContent", "message": "; ".join(errors)}}
    return Reply(400, orjson.dumps(body), {"Content-Type": "application/json"})


class FakeTeams:
    """A Microsoft Teams Workflows webhook on 127.0.0.1 (see the module's description)."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.messages: list[dict[str, Any]] = []
        self._program: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = LocalServer(self._answer)
        self.port = self._server.port
        self.webhook_url = self._server.url(WORKFLOW_PATH)
        """A Workflows-like trigger URL (``webhook_url`` of an ``msteams*_configs`` entry)."""

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Card of each accepted message (its first attachment's content)."""
        return [m["attachments"][0]["content"] for m in self.messages]

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
            error = {"code": "FakeFailure", "message": f"fake failure {status}"}
            body = orjson.dumps({"error": error})
        data = body.encode() if isinstance(body, str) else body
        reply = Reply(status, data, {"Content-Type": "application/json", **(headers or {})})
        with self._lock:
            self._program.extend([reply] * times)

    def hang_next(self, times: int = 1) -> None:
        """Leave the next ``times`` requests unanswered until the fake closes."""
        with self._lock:
            self._program.extend([Reply(hang=True)] * times)

    def malformed_next(self, times: int = 1, status: int = 200) -> None:
        """Answer the next ``times`` requests with ``status`` and a body that is not JSON."""
        with self._lock:
            self._program.extend([Reply(status, b"<html>not json", {})] * times)

    def _answer(self, seen: Seen) -> Reply:
        self.requests.append(seen)
        with self._lock:
            programmed = self._program.popleft() if self._program else None
        if programmed is not None:
            return programmed
        if seen.method != "POST":
            return Reply(405, b"method not allowed")
        try:
            message = orjson.loads(seen.body)
        except orjson.JSONDecodeError:
            return _bad_request(["the request body is not valid JSON"])
        errors = _errors(message)
        if errors:
            return _bad_request(errors)
        self.messages.append(message)
        return Reply(202, b"")

    def wait_for_cards(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The accepted cards once there are at least ``count``; AssertionError after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} cards, wanted {count}"
            time.sleep(0.02)
        return self.cards

    def close(self) -> None:
        """Stop the server (unanswered requests are dropped) and join its threads."""
        self._server.close()

    def __enter__(self) -> FakeTeams:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
