"""The ``pagerduty`` channel (``pagerduty_configs``): PagerDuty Events API v2 or v1.

A config with a ``service_key`` sends Events API v1 events (as Alertmanager does, the
service key wins when both keys are set); otherwise ``routing_key`` and Events API v2. The
key is the target :meth:`PagerdutyChannel.send` gets, so any PagerDuty service can be
triggered by its key. The events are Alertmanager's (see :mod:`.event`); every text field
is a template rendered with the notification's data.

``template: runbook`` renders ``description`` with the ``runbook.pagerduty.summary``
template, maps tocsin's severity to PagerDuty's (P0 critical, P1 error, P2 warning,
P3 info) and links the runbook and the acknowledge page, for each of these the config does
not set itself. Otherwise an unset ``severity`` is ``error``, as in Alertmanager.

Answers: any 2xx is delivered; its ``dedup_key`` (v1: ``incident_key``) is the result's
reference. A 400 ("invalid event") is permanent and its errors are in the message; 429 and
5xx may succeed on a retry, and so may a v1 403 (v1's rate limit). Keys and secrets of
``http_config`` never show in a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from tocsin.channels.base import DeliveryError, Message, SendResult, judge_status
from tocsin.channels.http_client import (
    USER_AGENT,
    ClientFactory,
    build_http_client,
    secret_values,
    send_request,
)
from tocsin.channels.pagerduty.event import (
    MAX_EVENT_BYTES,
    Image,
    Link,
    encode_event,
    v1_event,
    v2_event,
)
from tocsin.channels.render import message_data
from tocsin.config.receivers import PagerdutyConfig
from tocsin.templates import TemplateData, TemplateField, Templates

__all__ = [
    "DEFAULT_V2_URL",
    "SEVERITY_BY_PRIORITY",
    "V1_URL",
    "ClientFactory",
    "PagerdutyChannel",
    "pagerduty_target",
]

log = logging.getLogger("tocsin.channels.pagerduty")


DEFAULT_V2_URL = "https://events.pagerduty.com/v2/enqueue"
V1_URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"
SEVERITY_BY_PRIORITY = {"P0": "critical", "P1": "error", "P2": "warning", "P3": "info"}
"""PagerDuty's severity for tocsin's, with ``template: runbook``."""

NAME = "PagerDuty"
RUNBOOK_SUMMARY = '{% include "runbook.pagerduty.summary" %}'
RUNBOOK_LINKS = (("{{ runbook_url }}", "Runbook"), ("{{ ack_url }}", "Acknowledge"))


def pagerduty_target(config: PagerdutyConfig) -> str:
    """The key a ``pagerduty_configs`` entry sends with (a secret): its ``service_key``
    when it has one (Events API v1), else its ``routing_key`` (``*_file`` read at load)."""
    key = config.service_key or config.routing_key
    if key is None or not key.get_secret_value():
        raise ValueError("PagerDuty config has no routing or service key")
    return key.get_secret_value()


def _default(name: str) -> str:
    default = PagerdutyConfig.model_fields[name].default
    return default if isinstance(default, str) else ""


class PagerdutyChannel:
    """Sends notifications to PagerDuty for one ``pagerduty_configs`` entry.

    Without ``client_factory`` the channel builds its own client from the config's
    ``http_config`` (``timeout``, ``base_dir`` for relative TLS files) and :meth:`aclose`
    closes it; a client from ``client_factory`` is left to whoever made the factory.
    Building raises ``ValueError`` when the ``http_config`` cannot be honoured.
    """

    def __init__(
        self,
        config: PagerdutyConfig,
        *,
        templates: Templates,
        external_url: str,
        where: Callable[[str], str] = lambda field: "",
        client_factory: ClientFactory | None = None,
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> None:
        self._config = config
        self._templates = templates
        self._external_url = external_url
        self.v1 = config.service_key is not None and bool(config.service_key.get_secret_value())
        self.url = self._url(config)
        self._secrets = secret_values(config.http_config)
        runbook = config.template == "runbook"
        unset = set(PagerdutyConfig.model_fields) - config.model_fields_set

        def field(name: str, text: str, where_name: str | None = None) -> TemplateField:
            return templates.field(text, default=_default(name), source=where(where_name or name))

        description = config.description
        if runbook and "description" in unset:
            description = RUNBOOK_SUMMARY
        self._description = field("description", description)
        self._client_text = field("client", config.client)
        self._client_url = field("client_url", config.client_url)
        self._source = field("source", config.source or config.client)
        self._severity = field("severity", config.severity or "error")
        self._map_severity = runbook and "severity" in unset
        self._class = field("class_", config.class_, "class")
        self._component = field("component", config.component)
        self._group = field("group", config.group)
        self._details = {
            key: templates.field(value, source=where(f"details.{key}"))
            for key, value in config.details.items()
        }
        self._images = [
            tuple(templates.field(t, source=where(f"images[{i}]")) for t in (m.src, m.alt, m.href))
            for i, m in enumerate(config.images)
        ]
        links = [(link.href, link.text) for link in config.links]
        if runbook and "links" in unset:
            links = list(RUNBOOK_LINKS)
        self._links = [
            tuple(templates.field(t, source=where(f"links[{i}]")) for t in pair)
            for i, pair in enumerate(links)
        ]
        if client_factory is None:
            self._client = build_http_client(
                config.http_config, timeout=timeout, user_agent=USER_AGENT, base_dir=base_dir
            )
            self._owns_client = True
        else:
            self._client = client_factory(config.http_config)
            self._owns_client = False

    @staticmethod
    def _url(config: PagerdutyConfig) -> str:
        """v2: ``url``. v1: Alertmanager's v1 endpoint, unless ``url`` names another place
        than the default v2 endpoint (a proxy, a test server)."""
        url = config.url or DEFAULT_V2_URL
        if config.service_key is not None and config.service_key.get_secret_value():
            return V1_URL if url == DEFAULT_V2_URL else url
        return url

    def display(self, target: str) -> str:
        """What a delivery log may show of ``target``: the key's last four characters."""
        kind = "service key" if self.v1 else "routing key"
        return f"{kind} …{target[-4:]}"

    def _render(self, field: TemplateField, data: TemplateData) -> str:
        return self._templates.render(field, data)

    def event(self, target: str, message: Message) -> dict[str, Any]:
        """The event sent for ``message`` with the key ``target``."""
        data = message_data(message, self._external_url)
        render = self._render
        resolved = data["status"] == "resolved"
        details = {key: render(value, data) for key, value in self._details.items()}
        if self.v1:
            return v1_event(
                service_key=target,
                group_key=message.group_key,
                resolved=resolved,
                description=render(self._description, data),
                details=details,
                client=render(self._client_text, data),
                client_url=render(self._client_url, data),
            )
        if self._map_severity:
            severity = SEVERITY_BY_PRIORITY.get(str(data["severity"]), "info")
        else:
            severity = render(self._severity, data)
        return v2_event(
            routing_key=target,
            group_key=message.group_key,
            resolved=resolved,
            summary=render(self._description, data),
            source=render(self._source, data),
            severity=severity,
            class_=render(self._class, data),
            component=render(self._component, data),
            group=render(self._group, data),
            details=details,
            client=render(self._client_text, data),
            client_url=render(self._client_url, data),
            images=[Image(*(render(f, data) for f in image)) for image in self._images],
            links=[Link(*(render(f, data) for f in link)) for link in self._links],
        )

    def encoded(self, target: str, message: Message) -> tuple[dict[str, Any], bytes]:
        """The event sent for ``message`` with the key ``target``, and the request body
        (with the details replaced when the event is too large, as the event says)."""
        event = self.event(target, message)
        body, original = encode_event(event)
        if original:
            log.warning(
                "PagerDuty event of %d bytes exceeds %d: its details were replaced",
                original,
                MAX_EVENT_BYTES,
            )
        return event, body

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        """Send one event; raises ``DeliveryError``. PagerDuty deduplicates by the group's
        dedup key, whatever ``idempotency_key`` is."""
        if not target:
            raise DeliveryError(f"{NAME} routing key is empty", retryable=False)
        event, body = self.encoded(target, message)
        answer = await send_request(
            self._client,
            "POST",
            self.url,
            name=NAME,
            content=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            secrets=[target, *self._secrets],
            read_body=True,
        )
        if answer.status // 100 != 2:
            raise self._error(answer.status, answer.excerpt, answer.retry_after, message.now)
        sent_key = str(event["incident_key" if self.v1 else "dedup_key"])
        return SendResult(status=answer.status, reference=self._reference(answer.body, sent_key))

    def _error(
        self, status: int, excerpt: str, retry_after: str | None, now: float
    ) -> DeliveryError:
        detail = _invalid_event_detail(excerpt) if status == 400 else excerpt
        if self.v1 and status == 403:  # Events API v1 answers 403 when it rate-limits
            return DeliveryError(
                f"{NAME} answered 403 (rate limited)" + (f": {detail}" if detail else ""),
                retryable=True,
                status=status,
            )
        error = judge_status(status, NAME, now=now, detail=detail, retry_after=retry_after)
        assert error is not None  # not a 2xx
        return error

    def _reference(self, body: bytes, sent_key: str) -> str:
        field = "incident_key" if self.v1 else "dedup_key"
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            answer = None
        key = answer.get(field) if isinstance(answer, dict) else None
        if isinstance(key, str) and key:
            return key
        log.warning(
            "PagerDuty accepted the event but its answer has no %s (%d bytes); keeping ours",
            field,
            len(body),
        )
        return sent_key

    async def aclose(self) -> None:
        """Close the HTTP client the channel built (not one from a factory)."""
        if self._owns_client:
            await self._client.aclose()


def _invalid_event_detail(excerpt: str) -> str:
    """PagerDuty's 400 answer as ``message: error; error``, or the excerpt as it is."""
    try:
        answer = orjson.loads(excerpt)
    except orjson.JSONDecodeError:
        return excerpt
    if not isinstance(answer, dict):
        return excerpt
    message = str(answer.get("message") or answer.get("status") or "")
    errors = answer.get("errors")
    parts = [str(e) for e in errors] if isinstance(errors, list) else []
    if not message and not parts:
        return excerpt
    return f"{message}: {'; '.join(parts)}" if parts else message
