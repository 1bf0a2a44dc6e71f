"""The ``email`` channel: one e-mail per notification through an SMTP smarthost.

Every text field (``to``, ``from``, ``html``, ``text`` and each header value) is a
template, compiled once when the channel is built. ``template: runbook`` uses tocsin's
runbook texts (``runbook.email.subject``, ``runbook.email.html``, ``runbook.email.text``)
for the subject, HTML and text the configuration does not set.

The target is the ``to`` text: the configured one is rendered as a template; any other
target (a person reached by :meth:`EmailChannel.for_people`) is taken as written. Each
address of the list gets the message; recipients the server refuses while it accepts
others are logged (the delivery counts as done), all refused fail the delivery.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tocsin.channels._http_tls import tls_context
from tocsin.channels.base import DeliveryError, Message, SendResult
from tocsin.channels.email.mime import AddressError, compose, message_id, parse_address_list
from tocsin.channels.email.smtp import SMTPSettings, deliver, uses_implicit_tls
from tocsin.channels.render import message_data
from tocsin.config import GlobalConfig, TLSConfig
from tocsin.config.receivers import EmailConfig
from tocsin.templates import TemplateData, TemplateField, Templates

__all__ = [
    "DEFAULT_HTML",
    "DEFAULT_SUBJECT",
    "RUNBOOK_HTML",
    "RUNBOOK_SUBJECT",
    "RUNBOOK_TEXT",
    "EmailChannel",
    "email_target",
    "split_smarthost",
]

log = logging.getLogger("tocsin.channels.email")

DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}'
DEFAULT_HTML = '{{ template "email.default.html" . }}'
RUNBOOK_SUBJECT = '{% include "runbook.email.subject" %}'
RUNBOOK_HTML = '{% include "runbook.email.html" %}'
RUNBOOK_TEXT = '{% include "runbook.email.text" %}'

_NAMED_PORTS = {"smtp": 25, "submission": 587, "smtps": 465, "submissions": 465}


def email_target(config: EmailConfig) -> str:
    """The ``to`` text of an ``email_configs`` entry (a template, an address list)."""
    if not config.to:
        raise ValueError("email config has no to address")
    return config.to


def split_smarthost(smarthost: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port``; ``smtp``, ``submission``, ``smtps`` as ports)."""
    if smarthost.startswith("["):
        host, _, rest = smarthost[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = smarthost.rpartition(":")
    if not host or not port_text:
        raise ValueError(f"smarthost {smarthost!r} is not host:port")
    if port_text.isdigit() and 0 < int(port_text) < 65536:
        return host, int(port_text)
    if port_text in _NAMED_PORTS:
        return host, _NAMED_PORTS[port_text]
    raise ValueError(f"smarthost {smarthost!r}: invalid port {port_text!r}")


_CONTEXTS: dict[str, ssl.SSLContext] = {}


def _system_roots_context(tls: TLSConfig | None) -> ssl.SSLContext:
    """The SSL context of a ``tls_config`` without files, shared by the channels that have
    the same one (loading the system's roots takes a noticeable time)."""
    key = tls.model_dump_json() if tls is not None else ""
    context = _CONTEXTS.get(key)
    if context is None:
        context = _CONTEXTS[key] = tls_context(tls, None)
    return context


def _texts(config: EmailConfig) -> tuple[dict[str, str], str, str]:
    """Header, HTML and text templates, with Alertmanager's default headers, and the
    runbook texts where ``template: runbook`` asks for them."""
    headers = dict(config.headers)
    headers.setdefault("Subject", DEFAULT_SUBJECT)
    headers.setdefault("To", config.to)
    headers.setdefault("From", config.from_)
    html, text = config.html, config.text
    if config.template == "runbook":
        chosen = config.model_fields_set
        if "html" not in chosen:
            html = RUNBOOK_HTML
        if "text" not in chosen:
            text = RUNBOOK_TEXT
        if headers["Subject"] == DEFAULT_SUBJECT:
            headers["Subject"] = RUNBOOK_SUBJECT
    return headers, html, text


def _header_order(headers: dict[str, str]) -> list[str]:
    first = [name for name in ("From", "To", "Subject") if name in headers]
    return first + [name for name in headers if name not in first]


class EmailChannel:
    """Sends notifications of one ``email_configs`` entry (or, made by
    :meth:`for_people`, of the ``global.smtp_*`` settings) by SMTP.

    ``timeout`` bounds each network step (connect, TLS handshake, every reply).
    Building raises ``ValueError`` when the smarthost or ``tls_config`` cannot be used.
    """

    def __init__(
        self,
        config: EmailConfig,
        *,
        templates: Templates,
        external_url: str,
        where: Callable[[str], str] = lambda field: "",
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> None:
        host, port = split_smarthost(config.smarthost)
        password = config.auth_password.get_secret_value() if config.auth_password else ""
        secret = config.auth_secret.get_secret_value() if config.auth_secret else ""
        self.smtp = SMTPSettings(
            host=host,
            port=port,
            hello=config.hello or "localhost",
            require_tls=True if config.require_tls is None else config.require_tls,
            implicit_tls=uses_implicit_tls(port),
            tls=self._eager_tls(config, base_dir),
            username=config.auth_username,
            password=password,
            secret=secret,
            identity=config.auth_identity,
        )
        self._tls_config = config.tls_config
        self._templates = templates
        self._external_url = external_url
        self._timeout = timeout
        self._to_text = config.to
        headers, html, text = _texts(config)

        def compile_(text: str, name: str, default: str = "", html: bool = False) -> TemplateField:
            return templates.field(text, default=default, source=where(name), html=html)

        self._to = compile_(config.to, "to")
        self._from = compile_(config.from_, "from")
        defaults = {"Subject": DEFAULT_SUBJECT}
        self._headers = [
            (name, compile_(headers[name], f"headers.{name}", defaults.get(name, "")))
            for name in _header_order(headers)
        ]
        self._to_header_is_to = headers["To"] == config.to
        # What a Go template prints into the HTML part is escaped, as Alertmanager does.
        self._html = compile_(html, "html", DEFAULT_HTML, html=True) if html else None
        self._text = compile_(text, "text") if text else None

    @staticmethod
    def _eager_tls(config: EmailConfig, base_dir: Path | None) -> ssl.SSLContext | None:
        """The SSL context when the config names files (so a bad file fails the build);
        None otherwise: loading the system's roots is slow, so it waits for a first
        TLS session."""
        tls = config.tls_config
        if tls is not None and (tls.ca_file or tls.cert_file or tls.key_file):
            return tls_context(tls, base_dir)
        return None

    def _settings(self) -> SMTPSettings:
        if self.smtp.tls is None:
            self.smtp = replace(self.smtp, tls=_system_roots_context(self._tls_config))
        return self.smtp

    @classmethod
    def for_people(
        cls,
        glob: GlobalConfig,
        *,
        templates: Templates,
        external_url: str,
        where: Callable[[str], str] = lambda field: "",
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> EmailChannel:
        """A channel that reaches a person (``send(target="person@example.org", …)``)
        with the ``global.smtp_*`` settings and the runbook texts."""
        if not glob.smtp_smarthost:
            raise ValueError("no global SMTP smarthost set")
        if not glob.smtp_from:
            raise ValueError("no global SMTP from set")
        config = EmailConfig.model_construct(
            to="",
            from_=glob.smtp_from,
            hello=glob.smtp_hello,
            smarthost=glob.smtp_smarthost,
            auth_username=glob.smtp_auth_username,
            auth_password=glob.smtp_auth_password,
            auth_secret=glob.smtp_auth_secret,
            auth_identity=glob.smtp_auth_identity,
            require_tls=glob.smtp_require_tls,
            template="runbook",
        )
        return cls(
            config,
            templates=templates,
            external_url=external_url,
            where=where,
            timeout=timeout,
            base_dir=base_dir,
        )

    def display(self, target: str) -> str:
        """The recipients as the delivery log may show them (the template text when the
        target is a template)."""
        try:
            return ", ".join(parse_address_list(target))
        except AddressError:
            return target

    def _recipients(self, target: str, data: TemplateData) -> tuple[str, list[str]]:
        to_text = target
        if target == self._to_text:
            to_text = self._templates.render(self._to, data)
        try:
            return to_text, parse_address_list(to_text)
        except AddressError as exc:
            raise DeliveryError(f"email: parsing to addresses: {exc}", retryable=False) from exc

    def _sender(self, data: TemplateData) -> str:
        text = self._templates.render(self._from, data)
        try:
            addresses = parse_address_list(text)
        except AddressError as exc:
            raise DeliveryError(f"email: parsing from addresses: {exc}", retryable=False) from exc
        if len(addresses) != 1:
            raise DeliveryError("email: must be exactly one from address", retryable=False)
        return addresses[0]

    def body(self, target: str, message: Message, idempotency_key: str) -> bytes:
        """The message (headers and MIME parts) sent to ``target`` for ``message``."""
        data = message_data(message, self._external_url)
        to_text, _ = self._recipients(target, data)
        return self._compose(data, to_text, self._sender(data), message, idempotency_key)

    def _compose(
        self,
        data: TemplateData,
        to_text: str,
        sender: str,
        message: Message,
        idempotency_key: str,
    ) -> bytes:
        render = self._templates.render
        headers = []
        for name, template in self._headers:
            if name == "To" and self._to_header_is_to:
                headers.append((name, to_text))
            else:
                headers.append((name, render(template, data)))
        return compose(
            headers,
            text=render(self._text, data) if self._text is not None else None,
            html=render(self._html, data) if self._html is not None else None,
            now=message.now,
            message_id=message_id(idempotency_key, sender),
        )

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        data = message_data(message, self._external_url)
        to_text, recipients = self._recipients(target, data)
        sender = self._sender(data)
        body = self._compose(data, to_text, sender, message, idempotency_key)
        settings = self._settings()
        refused = await deliver(settings, sender, recipients, body, timeout=self._timeout)
        for refusal in refused:
            log.warning(
                "smtp %s refused recipient %s: %d %s",
                self.smtp.address,
                refusal.address,
                refusal.code,
                refusal.reply,
            )
        return SendResult(status=250, reference=message_id(idempotency_key, sender))

    async def aclose(self) -> None:
        """Nothing to close: each delivery opens and closes its own SMTP session."""
