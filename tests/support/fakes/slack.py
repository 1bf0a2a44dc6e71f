"""A fake Slack on 127.0.0.1 (incoming webhooks and the Web API's ``chat.*`` methods), for
channel and end-to-end tests.

Usage::

    with FakeSlack() as slack:
        hook = slack.webhook_url()                      # api_url of a webhook integration
        config = f"slack_configs: [{{bot_token: {BOT_TOKEN}, web_api_url: {slack.api_url},"
                 " channel: '#alerts'}]"
        ...                                             # make tocsin (or Alertmanager) send
        (parent,) = slack.wait_for_messages(1, channel="#alerts")
        assert slack.replies(parent)[0].attachments[0]["color"] == "good"

Endpoints, answered as Slack answers them:

- ``POST /services/T…/B…/…`` (an incoming webhook made with :meth:`webhook_url`): a JSON
  request with ``text``, ``attachments`` or ``blocks`` is posted to the hook's channel and
  answered ``200 ok`` (``text/html``); an unknown hook is ``404 no_service``; a body that
  is not such a JSON object is ``400 invalid_payload`` (or ``no_text``).
- ``POST /api/chat.postMessage`` and ``POST /api/chat.update`` (``api_url`` is the
  ``web_api_url``): JSON or form bodies. The ``Authorization: Bearer`` token must be
  ``token`` (``not_authed`` without one, ``invalid_auth`` otherwise). ``channel`` is a
  channel id (``C…``), a known name (``#alerts`` or ``alerts``) or a user id (``U…``, whose
  direct-message channel ``D…`` is answered); anything else is ``channel_not_found``.
  ``chat.postMessage`` needs ``text``, ``attachments`` or ``blocks`` (``no_text``), a
  ``thread_ts`` must name a top-level message of the channel (``thread_not_found``), and it
  answers ``{"ok": true, "channel": <id>, "ts": <new ts>, "message": {…}}``.
  ``chat.update`` needs a channel id and the ``ts`` of a message there
  (``message_not_found``); it replaces the message's text and attachments. Errors are
  ``200 {"ok": false, "error": <code>}``; any other ``/api/`` method is ``unknown_method``.

``ts`` values increase with every message (``1700000000.000100``, ``…000200``, …).
``requests`` records every request (``Seen``: method, path, headers, body); ``messages``
every message posted, in order (:class:`SlackMessage`). Programming, applied to the next
requests in the order given, before anything else: :meth:`fail_next` (a status, headers
and body), :meth:`error_next` (``200 {"ok": false, "error": …}``), :meth:`ratelimit_next`
(``429 ratelimited`` with ``Retry-After``), :meth:`hang_next` (no answer until the fake
closes), :meth:`malformed_next` (``200`` with a body that is not JSON). Stop it with
:meth:`close` (or a ``with`` block).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import orjson
from tests.channels.local_servers import LocalServer, Reply, Seen

__all__ = [
    "BOT_TOKEN",
    "CHANNELS",
    "USERS",
    "WEBHOOK_PATH",
    "FakeSlack",
    "SlackMessage",
]

BOT_TOKEN = "xoxb-1234567890-0987654321-fAkEtOkEnFoRtEsTs"
"""The token the fake accepts unless told another."""
CHANNELS = {"alerts": "C0ALERTS01", "ops": "C0OPS00002"}
"""Channel names and ids the fake knows unless told others."""
USERS = ("U012ABCDEF", "U0SECOND02")
"""User ids the fake can send direct messages to unless told others."""
WEBHOOK_PATH = "/services/T0000TEAM/B000HOOK1/"
JSON = {"Content-Type": "application/json; charset=utf-8"}
FIRST_TS = 1_700_000_000


@dataclass
class SlackMessage:
    """A message the fake holds: where it is, its ``ts``, its thread, and what it says."""

    channel: str  # channel id
    ts: str
    thread_ts: str  # "" for a top-level message
    text: str
    attachments: list[dict[str, Any]]
    request: dict[str, Any]  # the request that posted it (parsed)
    via: str  # "webhook" or "chat.postMessage"
    updates: list[dict[str, Any]] = field(default_factory=list)  # chat.update requests


def _error(code: str, status: int = 200, **headers: str) -> Reply:
    return Reply(status, orjson.dumps({"ok": False, "error": code}), {**JSON, **headers})


def _ok(**answer: Any) -> Reply:
    return Reply(200, orjson.dumps({"ok": True, **answer}), dict(JSON))


def _parse(seen: Seen) -> dict[str, Any] | None:
    """A request's arguments: its JSON object, or its form fields (JSON values decoded)."""
    kind = seen.headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        form = dict(urllib.parse.parse_qsl(seen.body.decode("utf-8", "replace")))
        parsed: dict[str, Any] = dict(form)
        for name in ("attachments", "blocks"):
            if name in form:
                try:
                    parsed[name] = orjson.loads(form[name])
                except orjson.JSONDecodeError:
                    return None
        return parsed
    try:
        value = orjson.loads(seen.body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


class FakeSlack:
    """Slack on 127.0.0.1 (see the module's description)."""

    def __init__(
        self,
        *,
        token: str = BOT_TOKEN,
        channels: Mapping[str, str] | None = None,
        users: Iterable[str] = USERS,
    ) -> None:
        self.token = token
        self.channels = dict(CHANNELS if channels is None else channels)
        self.users = set(users)
        self.requests: list[Seen] = []
        self.messages: list[SlackMessage] = []
        self._hooks: dict[str, str] = {}  # path -> channel id
        self._program: deque[Reply] = deque()
        self._counter = 0
        self._lock = threading.Lock()
        self._server = LocalServer(self._answer)
        self.port = self._server.port
        self.base_url = self._server.url("")
        self.api_url = self._server.url("/api/")
        """The Web API's base URL (``web_api_url``, ``global.slack_web_api_url``)."""

    def webhook_url(self, channel: str = "alerts") -> str:
        """A new incoming webhook that posts to ``channel`` (a name or id the fake knows)."""
        channel_id = self._resolve(channel)
        assert channel_id, f"unknown channel {channel!r}"
        with self._lock:
            path = f"{WEBHOOK_PATH}{len(self._hooks):04d}XXXXXXXXXXXXXXXX"
            self._hooks[path] = channel_id
        return self._server.url(path)

    # --- programming ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status``, ``headers`` (e.g.
        ``{"Retry-After": "3"}``) and ``body`` (Slack's ``{"ok":false,…}`` unless given)."""
        if body is None:
            body = orjson.dumps({"ok": False, "error": f"fake_failure_{status}"})
        data = body.encode() if isinstance(body, str) else body
        reply = Reply(status, data, {**JSON, **(headers or {})})
        with self._lock:
            self._program.extend([reply] * times)

    def error_next(self, error: str, times: int = 1, **extra: Any) -> None:
        """Answer the next ``times`` requests ``200 {"ok": false, "error": error, **extra}``."""
        body = orjson.dumps({"ok": False, "error": error, **extra})
        with self._lock:
            self._program.extend([Reply(200, body, dict(JSON))] * times)

    def ratelimit_next(self, retry_after: int = 30, times: int = 1) -> None:
        """Answer the next ``times`` requests as Slack's rate limit does: ``429
        {"ok": false, "error": "ratelimited"}`` with ``Retry-After``."""
        reply = _error("ratelimited", 429, **{"Retry-After": str(retry_after)})
        with self._lock:
            self._program.extend([reply] * times)

    def hang_next(self, times: int = 1) -> None:
        """Leave the next ``times`` requests unanswered until the fake closes."""
        with self._lock:
            self._program.extend([Reply(hang=True)] * times)

    def malformed_next(self, times: int = 1, status: int = 200) -> None:
        """Answer the next ``times`` requests with ``status`` and a body that is not JSON."""
        with self._lock:
            self._program.extend([Reply(status, b"<html>upstream trouble", JSON)] * times)

    # --- answering -----------------------------------------------------------------------

    def _answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            programmed = self._program.popleft() if self._program else None
            if programmed is not None:
                return programmed
            path = seen.path.split("?")[0]
            if seen.method != "POST":
                return Reply(405, b"method_not_allowed", {})
            if path.startswith("/services/"):
                return self._webhook(path, seen)
            if path.startswith("/api/"):
                return self._api(path.removeprefix("/api/"), seen)
            return Reply(404, b"not found", {})

    def _next_ts(self) -> str:
        self._counter += 1
        return f"{FIRST_TS}.{self._counter * 100:06d}"

    def _resolve(self, channel: str) -> str:
        """The channel id ``channel`` names ("" when unknown)."""
        ids = set(self.channels.values()) | {f"D{u[1:]}" for u in self.users}
        if channel in ids:
            return channel
        if channel in self.users:
            return f"D{channel[1:]}"
        return self.channels.get(channel.removeprefix("#"), "")

    def _webhook(self, path: str, seen: Seen) -> Reply:
        channel = self._hooks.get(path)
        if channel is None:
            return Reply(404, b"no_service", {"Content-Type": "text/html"})
        request = _parse(seen)
        if request is None:
            return Reply(400, b"invalid_payload", {"Content-Type": "text/html"})
        if not (request.get("text") or request.get("attachments") or request.get("blocks")):
            return Reply(400, b"no_text", {"Content-Type": "text/html"})
        self._store(channel, "", request, "webhook")
        return Reply(200, b"ok", {"Content-Type": "text/html"})

    def _api(self, method: str, seen: Seen) -> Reply:
        if method not in ("chat.postMessage", "chat.update"):
            return _error("unknown_method")
        auth = seen.headers.get("authorization", "")
        if not auth:
            return _error("not_authed")
        if auth != f"Bearer {self.token}":
            return _error("invalid_auth")
        request = _parse(seen)
        if request is None:
            return _error("invalid_json")
        channel = self._resolve(str(request.get("channel") or ""))
        if not channel:
            return _error("channel_not_found")
        if method == "chat.update":
            return self._update(channel, request)
        if not (request.get("text") or request.get("attachments") or request.get("blocks")):
            return _error("no_text")
        thread = str(request.get("thread_ts") or "")
        if thread and self._find(channel, thread, top_level=True) is None:
            return _error("thread_not_found")
        message = self._store(channel, thread, request, "chat.postMessage")
        return _ok(channel=channel, ts=message.ts, message=self._view(message))

    def _update(self, channel: str, request: dict[str, Any]) -> Reply:
        if not str(request.get("channel", "")).startswith(("C", "D", "G")):
            return _error("channel_not_found")  # chat.update takes ids only
        message = self._find(channel, str(request.get("ts") or ""))
        if message is None:
            return _error("message_not_found")
        if not (request.get("text") or request.get("attachments") or request.get("blocks")):
            return _error("no_text")
        message.text = str(request.get("text") or "")
        message.attachments = list(request.get("attachments") or [])
        message.updates.append(request)
        return _ok(channel=channel, ts=message.ts, text=message.text)

    def _store(self, channel: str, thread: str, request: dict[str, Any], via: str) -> SlackMessage:
        message = SlackMessage(
            channel=channel,
            ts=self._next_ts(),
            thread_ts=thread,
            text=str(request.get("text") or ""),
            attachments=list(request.get("attachments") or []),
            request=request,
            via=via,
        )
        self.messages.append(message)
        return message

    def _find(self, channel: str, ts: str, *, top_level: bool = False) -> SlackMessage | None:
        for message in self.messages:
            if message.channel == channel and message.ts == ts:
                return None if top_level and message.thread_ts else message
        return None

    @staticmethod
    def _view(message: SlackMessage) -> dict[str, Any]:
        view: dict[str, Any] = {"type": "message", "text": message.text, "ts": message.ts}
        if message.attachments:
            view["attachments"] = message.attachments
        if message.thread_ts:
            view["thread_ts"] = message.thread_ts
        return view

    # --- reading -------------------------------------------------------------------------

    def channel_id(self, channel: str) -> str:
        """The id of a channel name (``#alerts``), channel id or user id (its DM channel)."""
        channel_id = self._resolve(channel)
        assert channel_id, f"unknown channel {channel!r}"
        return channel_id

    def top_level(self, channel: str) -> list[SlackMessage]:
        """The messages of ``channel`` that are not thread replies, oldest first."""
        channel_id = self.channel_id(channel)
        with self._lock:
            return [m for m in self.messages if m.channel == channel_id and not m.thread_ts]

    def replies(self, parent: SlackMessage) -> list[SlackMessage]:
        """The replies in ``parent``'s thread, oldest first."""
        with self._lock:
            return [
                m for m in self.messages if m.channel == parent.channel and m.thread_ts == parent.ts
            ]

    def wait_for_messages(
        self, count: int, *, channel: str | None = None, timeout: float = 10.0
    ) -> list[SlackMessage]:
        """The messages (of ``channel``, replies included) once there are at least
        ``count``; AssertionError after ``timeout`` seconds."""
        channel_id = self.channel_id(channel) if channel is not None else None
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [m for m in self.messages if channel_id in (None, m.channel)]
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"{len(found)} messages, wanted {count}"
            time.sleep(0.02)

    def close(self) -> None:
        """Stop the server (unanswered requests are dropped) and join its threads."""
        self._server.close()

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
