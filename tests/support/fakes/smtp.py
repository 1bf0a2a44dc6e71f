"""A fake SMTP server on 127.0.0.1 (aiosmtpd in a thread) that records what it receives.

    with FakeSMTP() as smtp:                                   # plain, no AUTH
        ... configure smarthost: smtp.address (127.0.0.1:<free port>) ...
        mail = smtp.wait_for_mail()                            # a ReceivedMail
        mail.mail_from, mail.rcpt_tos, mail.message["Subject"], mail.parts()

    FakeSMTP(tls=server_context)                   # offers STARTTLS with that certificate
    FakeSMTP(tls=server_context, implicit_tls=True)  # TLS from the first byte (SMTPS)
    FakeSMTP(users={"alice": "pw"}, mechanisms=("PLAIN", "LOGIN", "CRAM-MD5"))
        # AUTH required, mechanisms advertised in that order; CRAM-MD5 checks the same
        # secret. Without TLS, AUTH is offered in the clear (only ever on 127.0.0.1).

Faults, set at any time (they apply to the next connections and commands):

    smtp.fail("RCPT", 451)                   reply 451 to every RCPT TO
    smtp.fail("RCPT", 550, recipients={"b@example.org"})   only to those recipients
    smtp.fail("DATA", 554, "5.7.1 rejected")  after the message is received
    smtp.fail("CONNECT", 554)                greet with 554 instead of 220
    smtp.drop("DATA")                        close the connection instead of answering
    smtp.hang("CONNECT")                     never answer (not even the greeting)
    smtp.clear()                             no faults

Commands: ``CONNECT`` (the greeting), ``MAIL``, ``RCPT``, ``DATA``. :meth:`close` (or
the ``with`` block's end) closes every connection and stops the thread; a hanging
command is released then.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import logging
import secrets
import ssl
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["AuthAttempt", "FakeSMTP", "Fault", "ReceivedMail"]

_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
COMMANDS = ("CONNECT", "MAIL", "RCPT", "DATA")


@dataclass(frozen=True)
class Fault:
    """What the server does instead of its normal answer to ``command``."""

    command: str
    code: int = 0
    text: str = ""
    drop: bool = False
    hang: bool = False
    recipients: frozenset[str] = frozenset()  # RCPT only; empty: every recipient

    def reply(self) -> str:
        return f"{self.code} {self.text or 'fault injected by the test'}"


@dataclass(frozen=True)
class AuthAttempt:
    """One AUTH exchange: the mechanism, the login, and whether it succeeded."""

    mechanism: str
    login: str
    success: bool


@dataclass(frozen=True)
class ReceivedMail:
    """A message the server accepted, with what the session looked like."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    helo: str  # the name the client gave in EHLO / HELO
    tls: bool  # the session was encrypted (STARTTLS or implicit TLS)
    starttls: bool  # encrypted by STARTTLS
    auth_mechanism: str  # "" when the client did not authenticate
    auth_login: str

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def parts(self) -> dict[str, str]:
        """The decoded text of each MIME part, by content type (``text/html``…), with
        CRLF line ends read as newlines, as a mail client shows them."""
        return {
            part.get_content_type(): str(part.get_content()).replace("\r\n", "\n")
            for part in self.message.iter_parts()
            if isinstance(part, EmailMessage)
        }


@dataclass
class _State:
    faults: list[Fault] = field(default_factory=list)
    mails: list[ReceivedMail] = field(default_factory=list)
    auth: list[AuthAttempt] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    connections: int = 0


class _Server(SMTP):
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"
    owner: FakeSMTP

    async def _handle_client(self) -> None:
        owner = self.owner
        owner._opened(self)
        fault = owner._fault("CONNECT")
        if fault is not None:
            await owner._misbehave(self, fault)
            return
        await super()._handle_client()

    def connection_lost(self, error: Exception | None) -> None:
        self.owner._closed(self)
        super().connection_lost(error)


class _Handler:
    def __init__(self, owner: FakeSMTP) -> None:
        self.owner = owner

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        advertised = [m for m in self.owner.mechanisms if m in server._auth_methods]
        out = [r for r in responses if not r.startswith("250-AUTH")]
        if any(r.startswith("250-AUTH") for r in responses) and advertised:
            out.insert(len(out) - 1, "250-AUTH " + " ".join(advertised))
        return out

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        fault = self.owner._fault("MAIL")
        if fault is not None:
            return await self.owner._misbehave(server, fault)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        fault = self.owner._fault("RCPT", address)
        if fault is not None:
            reply = await self.owner._misbehave(server, fault)
            self.owner._record_refusal(address, fault.code)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self.owner._fault("DATA")
        if fault is not None:
            return await self.owner._misbehave(server, fault)
        transport = server.transport
        implicit = transport is not None and transport.get_extra_info("sslcontext") is not None
        auth = session.auth_data if isinstance(session.auth_data, tuple) else ("", b"")
        data = envelope.original_content or b""
        self.owner._record(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=data if isinstance(data, bytes) else data.encode(),
                helo=session.host_name or "",
                tls=implicit or session.ssl is not None,
                starttls=session.ssl is not None,
                auth_mechanism=str(auth[0]),
                auth_login=auth[1].decode(errors="replace"),
            )
        )
        return "250 OK: queued"

    async def auth_CRAM__MD5(self, server: SMTP, args: list[str]) -> AuthResult:
        challenge = f"<{secrets.token_hex(8)}@smtp.test>".encode()
        answer = await server.challenge_auth(challenge)
        if not isinstance(answer, bytes):
            return AuthResult(success=False)
        login, _, digest = answer.partition(b" ")
        user = login.decode(errors="replace")
        secret = self.owner.users.get(user)
        expected = (
            hmac.new(secret.encode(), challenge, hashlib.md5).hexdigest().encode()
            if secret is not None
            else b""
        )
        ok = secret is not None and hmac.compare_digest(expected, digest)
        self.owner._record_auth(AuthAttempt("CRAM-MD5", user, ok))
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=("CRAM-MD5", login))


def _authenticator(owner: FakeSMTP) -> Any:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user = data.login.decode(errors="replace")
        ok = owner.users.get(user) == data.password.decode(errors="replace")
        owner._record_auth(AuthAttempt(mechanism, user, ok))
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=(mechanism, data.login))

    return check


class _Controller(Controller):
    def __init__(self, owner: FakeSMTP, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(_Handler(owner), hostname="127.0.0.1", port=0, **kwargs)

    def factory(self) -> SMTP:
        server = _Server(self.handler, **self.SMTP_kwargs)
        server.owner = self.owner
        # Set here rather than passed: aiosmtpd warns about AUTH without TLS, which the
        # fake offers on purpose (on 127.0.0.1 only).
        server._auth_required = self.owner.auth_required
        return server

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class FakeSMTP:
    """An SMTP server on 127.0.0.1 for tests; see the module's docstring."""

    def __init__(
        self,
        *,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        users: Mapping[str, str] | None = None,
        mechanisms: Sequence[str] = _MECHANISMS,
        auth_required: bool | None = None,
        hostname: str = "smtp.test",
    ) -> None:
        # aiosmtpd logs a deprecation warning at every AUTH; not the test's concern.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        if implicit_tls and tls is None:
            raise ValueError("implicit_tls needs a server TLS context")
        self.users = dict(users or {})
        self.mechanisms = tuple(m.upper() for m in mechanisms) if self.users else ()
        self.implicit_tls = implicit_tls
        self.auth_required = bool(self.users) if auth_required is None else auth_required
        self._lock = threading.Condition()
        self._state = _State()
        self._live: set[SMTP] = set()
        starttls = tls is not None and not implicit_tls
        self._controller = _Controller(
            self,
            ssl_context=tls if implicit_tls else None,
            server_hostname=hostname,
            tls_context=tls if starttls else None,
            auth_require_tls=starttls,
            auth_exclude_mechanism=[m for m in _MECHANISMS if m not in self.mechanisms],
            authenticator=_authenticator(self),
            ready_timeout=10.0,
        )
        self._controller.start()
        self.host = "127.0.0.1"
        self.port: int = self._controller.port
        self._closed_flag = False

    # -- the test's side -------------------------------------------------------------

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``: the smarthost to configure."""
        return f"{self.host}:{self.port}"

    @property
    def mails(self) -> list[ReceivedMail]:
        """Every message accepted so far, in order."""
        with self._lock:
            return list(self._state.mails)

    @property
    def auth_attempts(self) -> list[AuthAttempt]:
        with self._lock:
            return list(self._state.auth)

    @property
    def refused(self) -> list[tuple[str, int]]:
        """Recipients answered with a fault, with the code."""
        with self._lock:
            return list(self._state.refused)

    @property
    def connections(self) -> int:
        """Connections opened by clients (the start-up probe not counted)."""
        with self._lock:
            return max(self._state.connections - 1, 0)

    def wait_for_mail(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """The first ``count`` messages, waiting up to ``timeout`` seconds for them;
        raises ``AssertionError`` when they do not come."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._state.mails) >= count, timeout):
                got = len(self._state.mails)
                raise AssertionError(f"expected {count} e-mail(s) within {timeout}s, got {got}")
            return list(self._state.mails[:count])

    def fail(
        self, command: str, code: int, text: str = "", *, recipients: Iterable[str] = ()
    ) -> None:
        """Answer ``command`` with ``code`` (and ``text``)."""
        self._add(Fault(command.upper(), code, text, recipients=frozenset(recipients)))

    def drop(self, command: str) -> None:
        """Close the connection instead of answering ``command``."""
        self._add(Fault(command.upper(), drop=True))

    def hang(self, command: str) -> None:
        """Never answer ``command``."""
        self._add(Fault(command.upper(), hang=True))

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._state.faults.clear()

    def close(self) -> None:
        """Close every connection and stop the server (idempotent)."""
        if self._closed_flag:
            return
        self._closed_flag = True
        loop = self._controller.loop
        done = threading.Event()

        def abort_all() -> None:
            for server in list(self._live):
                if server.transport is not None:
                    server.transport.abort()
            done.set()

        loop.call_soon_threadsafe(abort_all)
        done.wait(5)
        self._controller.stop()

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the server's side -----------------------------------------------------------

    def _add(self, fault: Fault) -> None:
        if fault.command not in COMMANDS:
            raise ValueError(f"unknown command {fault.command!r}; one of {COMMANDS}")
        with self._lock:
            self._state.faults.append(fault)

    def _fault(self, command: str, recipient: str = "") -> Fault | None:
        with self._lock:
            for fault in self._state.faults:
                if fault.command != command:
                    continue
                if fault.recipients and recipient not in fault.recipients:
                    continue
                return fault
        return None

    async def _misbehave(self, server: SMTP, fault: Fault) -> str:
        if fault.drop and server.transport is not None:
            server.transport.abort()
        if fault.drop or fault.hang:
            await asyncio.sleep(3600)  # cancelled when the connection closes
        if fault.command == "CONNECT":
            await server.push(fault.reply())
            if server.transport is not None:
                server.transport.close()
        return fault.reply()

    def _opened(self, server: SMTP) -> None:
        self._live.add(server)
        with self._lock:
            self._state.connections += 1

    def _closed(self, server: SMTP) -> None:
        self._live.discard(server)

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._state.mails.append(mail)
            self._lock.notify_all()

    def _record_auth(self, attempt: AuthAttempt) -> None:
        with self._lock:
            self._state.auth.append(attempt)

    def _record_refusal(self, address: str, code: int) -> None:
        with self._lock:
            self._state.refused.append((address, code))
