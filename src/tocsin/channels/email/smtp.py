"""One SMTP session that hands one message to a smarthost, as Alertmanager 0.25 does.

    connect host:port            port 465: TLS from the first byte (implicit TLS)
    EHLO hello                   (HELO when EHLO is refused)
    STARTTLS, EHLO again         with ``require_tls`` (the default); refused to go on
                                 when not offered (Alertmanager's message); without
                                 ``require_tls`` the session stays in the clear
    AUTH                         when ``auth_username`` is set and the server offers AUTH
    MAIL FROM, RCPT TO …, DATA, QUIT

Every failure ends as a :class:`DeliveryError` (see :func:`delivery_error`): a refused or
reset connection, a timeout, a failed TLS handshake and any 4xx reply may succeed on a
retry; a 5xx reply (550 no such user, 535 bad credentials, 554 refused) will not.
``status`` is the SMTP reply code. Messages never contain the password or secret.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiosmtplib

from tocsin.channels.base import DeliveryError

__all__ = [
    "AuthPlan",
    "Refusal",
    "SMTPSettings",
    "choose_auth",
    "deliver",
    "delivery_error",
    "uses_implicit_tls",
]

log = logging.getLogger("tocsin.channels.email")

_LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def uses_implicit_tls(port: int) -> bool:
    """Alertmanager's rule: port 465 speaks TLS from the start (SMTPS); any other port
    starts in the clear and upgrades with STARTTLS."""
    return port == 465


@dataclass(frozen=True, slots=True)
class SMTPSettings:
    """How to reach and log in to a smarthost. ``tls`` is used for implicit TLS and for
    STARTTLS; its ``server_name`` (when set) replaces ``host`` in the certificate check."""

    host: str
    port: int
    hello: str = "localhost"
    require_tls: bool = True
    implicit_tls: bool = False
    tls: ssl.SSLContext | None = None
    username: str = ""
    password: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    identity: str = ""

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def secrets(self) -> list[str]:
        """Texts no message may show: the password, the secret and their base64 forms."""
        found = []
        for value in (self.password, self.secret):
            if value:
                found += [value, base64.b64encode(value.encode()).decode()]
        return found


@dataclass(frozen=True, slots=True)
class Refusal:
    """A recipient the server refused while others were accepted."""

    address: str
    code: int
    reply: str


@dataclass(frozen=True, slots=True)
class AuthPlan:
    """The mechanism chosen, and its exchange: the first command's argument and the
    answers to each ``334`` challenge (computed from the challenge for CRAM-MD5)."""

    mechanism: str
    username: str
    password: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    identity: str = ""


class _ConfigError(Exception):
    """The settings cannot work with this server: a permanent error."""


def choose_auth(
    offered: Sequence[str], settings: SMTPSettings, *, encrypted: bool
) -> AuthPlan | None:
    """The mechanism Alertmanager would use: the first one the server lists that tocsin
    can satisfy (CRAM-MD5 with ``auth_secret``; PLAIN, then LOGIN, with a password).
    None without ``auth_username``. PLAIN refuses to send the password in the clear to
    anything but localhost, as Go's ``smtp.PlainAuth``. Raises ``_ConfigError`` when no
    offered mechanism can be used."""
    if not settings.username:
        return None
    problems: list[str] = []
    for raw in offered:
        mech = raw.upper()
        if mech == "CRAM-MD5":
            if not settings.secret:
                problems.append("missing secret for CRAM-MD5 auth mechanism")
                continue
            return AuthPlan(mech, settings.username, secret=settings.secret)
        if mech in ("PLAIN", "LOGIN"):
            if not settings.password:
                problems.append(f"missing password for {mech} auth mechanism")
                continue
            if mech == "PLAIN" and not encrypted and settings.host not in _LOCAL_NAMES:
                raise _ConfigError("PLAIN auth refused: unencrypted connection")
            return AuthPlan(mech, settings.username, settings.password, "", settings.identity)
    if not problems:
        problems.append("unknown auth mechanism: " + " ".join(offered))
    raise _ConfigError("; ".join(problems))


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


async def _authenticate(client: aiosmtplib.SMTP, plan: AuthPlan) -> None:
    user = plan.username.encode()
    if plan.mechanism == "PLAIN":
        blob = plan.identity.encode() + b"\0" + user + b"\0" + plan.password.encode()
        answer = await client.execute_command(b"AUTH", b"PLAIN", _b64(blob))
    elif plan.mechanism == "LOGIN":
        answer = await client.execute_command(b"AUTH", b"LOGIN")
        # The first challenge asks for the user name, the second for the password
        # (whatever words the server uses: "Username:", "User Name").
        for reply in (user, plan.password.encode()):
            if answer.code != 334:
                break
            answer = await client.execute_command(_b64(reply))
    else:  # CRAM-MD5
        answer = await client.execute_command(b"AUTH", b"CRAM-MD5")
        if answer.code == 334:
            try:
                challenge = base64.b64decode(answer.message.strip(), validate=True)
            except ValueError as exc:
                raise aiosmtplib.SMTPAuthenticationError(
                    501, "malformed CRAM-MD5 challenge"
                ) from exc
            digest = hmac.new(plan.secret.encode(), challenge, hashlib.md5).hexdigest()
            answer = await client.execute_command(_b64(user + b" " + digest.encode()))
    if answer.code != 235:
        raise aiosmtplib.SMTPAuthenticationError(answer.code, answer.message)


def _redact(text: str, settings: SMTPSettings) -> str:
    for secret in settings.secrets():
        text = text.replace(secret, "<secret>")
    return text


def delivery_error(exc: BaseException, settings: SMTPSettings, step: str) -> DeliveryError:
    """The error a failure of ``step`` ("connect", "starttls", "auth", …) ends as."""
    where = f"smtp {settings.address}"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reply = " ".join(exc.message.split())
        retryable = 400 <= exc.code < 500
        text = f"{where}: {step} answered {exc.code} {reply}".rstrip()
        return DeliveryError(_redact(text, settings), retryable=retryable, status=exc.code)
    if isinstance(exc, _ConfigError):
        return DeliveryError(f"{where}: {exc}", retryable=False)
    if isinstance(exc, (aiosmtplib.SMTPTimeoutError, TimeoutError)):
        return DeliveryError(f"{where}: {step} timed out", retryable=True)
    if isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__, ssl.SSLError):
        reason = exc if isinstance(exc, ssl.SSLError) else exc.__cause__
        detail = getattr(reason, "reason", None) or type(reason).__name__
        return DeliveryError(f"{where}: {step}: TLS handshake failed: {detail}", retryable=True)
    if isinstance(exc, ValueError):  # what tocsin was asked to send cannot be sent
        detail = _redact(str(exc), settings)
        return DeliveryError(f"{where}: {step}: {detail}", retryable=False)
    detail = _redact(str(exc) or type(exc).__name__, settings)
    return DeliveryError(f"{where}: {step} failed: {detail}", retryable=True)


async def _hello(client: aiosmtplib.SMTP, settings: SMTPSettings) -> None:
    try:
        await client.ehlo(hostname=settings.hello)
    except aiosmtplib.SMTPHeloError:
        if not client.is_connected:
            raise
        await client.helo(hostname=settings.hello)


async def _starttls(client: aiosmtplib.SMTP, settings: SMTPSettings) -> bool:
    """With ``require_tls``, upgrade with STARTTLS (refused to go on when the server does
    not offer it); without, stay in the clear, as Alertmanager does. Whether the session
    is now encrypted."""
    if not settings.require_tls:
        return False
    if client.supports_extension("starttls"):
        await client.starttls(tls_context=settings.tls)
        await _hello(client, settings)
        return True
    raise _ConfigError(
        f'require_tls: true (default), but "{settings.address}" does not '
        "advertise the STARTTLS extension"
    )


def _address_encoding(
    client: aiosmtplib.SMTP, sender: str, recipients: Sequence[str]
) -> tuple[list[str], str]:
    """``MAIL FROM`` options and the addresses' encoding: UTF-8 with ``SMTPUTF8`` when an
    address is not ASCII (refused when the server does not offer it)."""
    if all(address.isascii() for address in (sender, *recipients)):
        return [], "ascii"
    if not client.supports_extension("smtputf8"):
        raise _ConfigError("an address is not ASCII and the server does not offer SMTPUTF8")
    return ["SMTPUTF8"], "utf-8"


async def _session(
    client: aiosmtplib.SMTP,
    settings: SMTPSettings,
    sender: str,
    recipients: Sequence[str],
    data: bytes,
) -> list[Refusal]:
    step = "connect"
    try:
        await client.connect()
        step = "hello"
        await _hello(client, settings)
        encrypted = settings.implicit_tls
        if not encrypted:
            step = "starttls"
            encrypted = await _starttls(client, settings)
        if settings.username and client.supports_extension("auth"):
            step = "auth"
            offered = client.esmtp_extensions.get("auth", "").split()
            plan = choose_auth(offered, settings, encrypted=encrypted)
            if plan is not None:
                await _authenticate(client, plan)
        step = "mail from"
        options, encoding = _address_encoding(client, sender, recipients)
        await client.mail(sender, options=options, encoding=encoding)
        step = "rcpt to"
        refused: list[Refusal] = []
        for address in recipients:
            try:
                await client.rcpt(address, encoding=encoding)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused.append(Refusal(address, exc.code, " ".join(exc.message.split())))
        if len(refused) == len(recipients):
            worst = max(refused, key=lambda r: r.code // 100 == 4)  # a 4xx: try again
            raise aiosmtplib.SMTPRecipientRefused(worst.code, worst.reply, worst.address)
        step = "data"
        await client.data(data)
    except (aiosmtplib.SMTPException, _ConfigError, OSError, TimeoutError, ValueError) as exc:
        raise delivery_error(exc, settings, step) from exc
    return refused


async def deliver(
    settings: SMTPSettings,
    sender: str,
    recipients: Sequence[str],
    data: bytes,
    *,
    timeout: float,
) -> list[Refusal]:
    """Send ``data`` from ``sender`` to ``recipients``; each network step waits at most
    ``timeout`` seconds. Returns the recipients refused while others were accepted;
    raises :class:`DeliveryError` (all refused: a 4xx among them makes it retryable)."""
    client = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        local_hostname=settings.hello or "localhost",
        timeout=timeout,
        use_tls=settings.implicit_tls,
        start_tls=False,
        tls_context=settings.tls,
    )
    try:
        refused = await _session(client, settings, sender, recipients, data)
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.debug("smtp %s: QUIT failed after delivery: %s", settings.address, exc)
    finally:
        # The session is over (QUIT answered, or failed): drop the connection at once
        # rather than wait for a TLS close_notify exchange.
        transport = client.transport
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        client.close()
    return refused
