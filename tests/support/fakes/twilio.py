"""A fake Twilio REST API on 127.0.0.1: creates messages and calls, and fails on demand.

    with FakeTwilio() as twilio:
        config = f'''
        global: {twilio.global_yaml()}
        ...'''
        ...                                            # tocsin sends SMS and calls
        twilio.wait_for(3)                             # three resources created
        assert [m.body for m in twilio.messages_to("+14155550199")] == [...]
        twilio.fail_next(503, times=2, headers={"Retry-After": "1"})
        twilio.hang_next()                             # the next request gets no answer
        twilio.malformed_next()                        # the next 201 has a broken body
        assert not twilio.rejected                     # nothing refused that was not asked

It speaks Twilio's wire format for the two resources tocsin creates:

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   To, From, Body
    POST /2010-04-01/Accounts/{AccountSid}/Calls.json      To, From, Twiml (or Url)

with HTTP basic authentication (401, code 20003, otherwise), form bodies, E.164 checks on
``To`` (400, 21211) and ``From`` (400, 21212), Twilio's length limits (``Body`` 1600:
21617; ``Twiml`` 4000: 21658) and a well-formedness check of ``Twiml`` (400, 12100); each
created resource is answered ``201`` with its JSON (``sid``, ``status: queued``, ``to``,
``from``, ``body``, ``date_created``, ``uri``, …). Errors are Twilio's
``{"code", "message", "more_info", "status"}``.

Planned behaviours (:meth:`fail_next`, :meth:`hang_next`, :meth:`malformed_next`) apply to
the next requests in the order they were planned, whatever their path. Recording is cheap
(a list append under a lock), so a test may send thousands of messages; every request is in
:attr:`requests`, created resources in :attr:`messages` and :attr:`calls`, and requests the
fake refused on its own (bad credentials, bad numbers, unknown paths) in :attr:`rejected`.
Handler threads answer over HTTP/1.1 keep-alive; :meth:`close` (or leaving the ``with``)
releases hanging requests, closes every connection and joins the threads.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import orjson

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_FROM",
    "FakeTwilio",
    "PlacedCall",
    "SentMessage",
    "TwilioRequest",
    "twilio_error_body",
]

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token-5f2b"
DEFAULT_FROM = "+14155550100"

_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_REASONS = {
    400: (21211, "Bad request"),
    401: (20003, "Authenticate"),
    403: (20403, "Forbidden"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    502: (20502, "Bad Gateway"),
    503: (20503, "Service Unavailable"),
}


def twilio_error_body(status: int, code: int | None = None, message: str | None = None) -> bytes:
    """Twilio's error document for ``status`` (a usual code and message unless given)."""
    usual_code, usual_message = _REASONS.get(status, (20001, "Error"))
    code = usual_code if code is None else code
    return orjson.dumps(
        {
            "code": code,
            "message": usual_message if message is None else message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )


@dataclass(frozen=True, slots=True)
class TwilioRequest:
    """A request the fake received and the status it answered (0: it never answered)."""

    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    form: Mapping[str, str]
    status: int
    received_at: float  # time.time()

    @property
    def authorization(self) -> tuple[str, str] | None:
        """The basic-auth user and password, or None."""
        return _basic(self.headers.get("authorization", ""))


@dataclass(frozen=True, slots=True)
class SentMessage:
    """An SMS the fake created (``Messages.json``)."""

    sid: str
    to: str
    from_: str
    body: str
    received_at: float


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """A call the fake created (``Calls.json``); ``said`` is the text of each ``<Say>``."""

    sid: str
    to: str
    from_: str
    twiml: str
    said: tuple[str, ...]
    received_at: float


@dataclass(frozen=True, slots=True)
class _Plan:
    kind: str  # "fail", "hang" or "malformed"
    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    refused: bool = False  # refused by the fake's own checks


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _refuse(status: int, code: int, message: str) -> _Reply:
    return _Reply(status, twilio_error_body(status, code, message), refused=True)


def _flow(mapping: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in mapping.items()) + "}"


def _rfc2822(epoch: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(epoch))


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads
    fake: FakeTwilio
    request_queue_size = 128  # a burst of clients is queued, not refused (the default is 5)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, add=False)
        super().finish()

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = fake._answer(self.command, self.path, headers, raw)
        if reply is None:  # hang: no answer, then the connection closes
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class FakeTwilio:
    """Twilio's Messages and Calls resources for one account, on 127.0.0.1 (see module)."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        from_number: str = DEFAULT_FROM,
        hang_seconds: float = 60.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.requests: list[TwilioRequest] = []
        self.messages: list[SentMessage] = []
        self.calls: list[PlacedCall] = []
        self.rejected: list[TwilioRequest] = []
        self._hang_seconds = hang_seconds
        self._plans: list[_Plan] = []
        self._lock = threading.RLock()  # conditions of wait_until may call messages_to
        self._changed = threading.Condition(self._lock)
        self._released = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        """The ``api_url`` (``global.twilio_api_url``) to give tocsin."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fake-twilio",
        )
        self._thread.start()

    # --- set-up helpers ----------------------------------------------------------------

    def global_config(self) -> dict[str, str]:
        """The ``global`` keys that point tocsin at this fake."""
        return {
            "twilio_account_sid": self.account_sid,
            "twilio_auth_token": self.auth_token,
            "twilio_from": self.from_number,
            "twilio_api_url": self.url,
        }

    def global_yaml(self) -> str:
        """:meth:`global_config` as a YAML flow mapping, to paste into a config."""
        return _flow(self.global_config())

    @staticmethod
    def global_yaml_for(api_url: str) -> str:
        """The ``global`` keys of the default account with another ``api_url`` (one where
        nothing listens, say), as a YAML flow mapping."""
        return _flow(
            {
                "twilio_account_sid": DEFAULT_ACCOUNT_SID,
                "twilio_auth_token": DEFAULT_AUTH_TOKEN,
                "twilio_from": DEFAULT_FROM,
                "twilio_api_url": api_url,
            }
        )

    # --- planned behaviours ------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        code: int | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` and Twilio's error document
        (``code`` and ``message`` default to Twilio's usual ones for the status), or with
        ``body`` as given; ``headers`` are added (``{"Retry-After": "3"}``). Nothing is
        created."""
        content = twilio_error_body(status, code, message) if body is None else body
        self._plan(_Plan("fail", status, dict(headers or {}), content), times)

    def hang_next(self, times: int = 1) -> None:
        """Never answer the next ``times`` requests (until :meth:`close`, or
        ``hang_seconds``, when the connection is closed with no answer)."""
        self._plan(_Plan("hang"), times)

    def malformed_next(self, times: int = 1, *, status: int = 201, body: bytes = b"") -> None:
        """Create the next ``times`` resources as usual, but answer ``status`` with a body
        that is not their JSON (``body``, or JSON cut in the middle)."""
        content = body or b'{"sid": "SM0123'
        self._plan(_Plan("malformed", status, {}, content), times)

    def _plan(self, plan: _Plan, times: int) -> None:
        with self._lock:
            self._plans.extend([plan] * times)

    # --- what was received -------------------------------------------------------------

    def messages_to(self, number: str) -> list[SentMessage]:
        with self._lock:
            return [m for m in self.messages if m.to == number]

    def calls_to(self, number: str) -> list[PlacedCall]:
        with self._lock:
            return [c for c in self.calls if c.to == number]

    def wait_for(self, created: int, *, timeout: float = 10.0) -> bool:
        """Wait until ``created`` messages and calls in all exist; False on timeout."""
        return self.wait_until(lambda: len(self.messages) + len(self.calls) >= created, timeout)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Wait (woken at each request) until ``condition()`` holds; False on timeout."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def reset(self) -> None:
        """Forget what was received and planned."""
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self.calls.clear()
            self.rejected.clear()
            self._plans.clear()

    # --- the server --------------------------------------------------------------------

    def _answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Reply | None:
        now = time.time()
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            plan = self._plans.pop(0) if self._plans else None
        if plan is not None and plan.kind == "hang":
            self._record(TwilioRequest(method, path, headers, form, 0, now), None)
            self._released.wait(self._hang_seconds)
            return None
        if plan is not None and plan.kind == "fail":
            reply = _Reply(plan.status, plan.body, plan.headers)
            self._record(TwilioRequest(method, path, headers, form, reply.status, now), None)
            return reply
        reply, created = self._create(method, path, headers, form, now)
        if plan is not None and created is not None:  # malformed: created, badly answered
            reply = _Reply(plan.status, plan.body)
        request = TwilioRequest(method, path, headers, form, reply.status, now)
        self._record(request, created, refused=reply.refused)
        return reply

    def _create(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        form: Mapping[str, str],
        now: float,
    ) -> tuple[_Reply, SentMessage | PlacedCall | None]:
        match = _PATH.match(path.partition("?")[0])
        if match is None:
            return _refuse(404, 20404, f"The requested resource {path} was not found"), None
        if method != "POST":
            return _refuse(405, 20004, "Method not allowed"), None
        if _basic(headers.get("authorization", "")) != (self.account_sid, self.auth_token):
            return _refuse(401, 20003, "Authenticate"), None
        account, resource = match.groups()
        if account != self.account_sid:
            return _refuse(404, 20404, f"The requested resource {path} was not found"), None
        to, from_ = form.get("To", ""), form.get("From", "")
        messages = resource == "Messages"
        if not to:
            return _refuse(400, 21604 if messages else 21201, "A 'To' number is required."), None
        if not from_:
            return _refuse(400, 21603 if messages else 21213, "A 'From' number is required."), None
        if not _E164.match(to):
            return _refuse(400, 21211, f"The 'To' number {to} is not a valid phone number."), None
        if not _E164.match(from_):
            text = f"The 'From' number {from_} is not a valid phone number or shortcode."
            return _refuse(400, 21212, text), None
        if messages:
            return self._message(form, to, from_, now)
        return self._call(form, to, from_, now)

    def _message(
        self, form: Mapping[str, str], to: str, from_: str, now: float
    ) -> tuple[_Reply, SentMessage | None]:
        body = form.get("Body", "")
        if not body:
            return _refuse(400, 21602, "Message body is required."), None
        if len(body.encode("utf-16-le")) // 2 > 1600:
            text = "The concatenated message body exceeds the 1600 character limit."
            return _refuse(400, 21617, text), None
        sid = "SM" + uuid.uuid4().hex
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        document = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": _rfc2822(now),
            "date_sent": None,
            "date_updated": _rfc2822(now),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(max(1, -(-len(body) // 153))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": to,
            "uri": uri,
        }
        return _Reply(201, orjson.dumps(document)), SentMessage(sid, to, from_, body, now)

    def _call(
        self, form: Mapping[str, str], to: str, from_: str, now: float
    ) -> tuple[_Reply, PlacedCall | None]:
        twiml = form.get("Twiml", "")
        if not twiml and not form.get("Url"):
            return _refuse(400, 21205, "Url parameter is required."), None
        if len(twiml) > 4000:
            return _refuse(400, 21658, "Twiml exceeds the 4000 character limit."), None
        said: tuple[str, ...] = ()
        if twiml:
            try:
                root = ET.fromstring(twiml)
            except ET.ParseError:
                return _refuse(400, 12100, "Document parse failure"), None
            if root.tag != "Response":
                return _refuse(400, 12100, "Document parse failure: no <Response>"), None
            said = tuple(element.text or "" for element in root.iter("Say"))
        sid = "CA" + uuid.uuid4().hex
        document: dict[str, Any] = {
            "account_sid": self.account_sid,
            "annotation": None,
            "answered_by": None,
            "api_version": "2010-04-01",
            "caller_name": None,
            "date_created": None,
            "date_updated": None,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": from_,
            "from_formatted": from_,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {},
            "to": to,
            "to_formatted": to,
            "trunk_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }
        return _Reply(201, orjson.dumps(document)), PlacedCall(sid, to, from_, twiml, said, now)

    def _record(
        self,
        request: TwilioRequest,
        created: SentMessage | PlacedCall | None,
        *,
        refused: bool = False,
    ) -> None:
        with self._changed:
            self.requests.append(request)
            if refused:
                self.rejected.append(request)
            if isinstance(created, SentMessage):
                self.messages.append(created)
            elif isinstance(created, PlacedCall):
                self.calls.append(created)
            self._changed.notify_all()

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close(self) -> None:
        """Release hanging requests, close every connection, stop and join the server."""
        self._released.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeTwilio:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
