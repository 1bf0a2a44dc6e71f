"""The ``msteams`` channel (``msteams_configs`` and ``msteamsv2_configs``): Microsoft Teams
through a Workflows webhook.

Office 365 connectors are retired, so both config kinds post the Adaptive Card message
Alertmanager 0.28's msteamsv2 posts (see :mod:`.card`): ``title`` and ``text`` are its
two text blocks; ``msteams_configs``' ``summary`` is the card's ``fallbackText``. tocsin
adds ``Action.OpenUrl`` buttons: "Runbook" (the alerts' common ``runbook_url``
annotation), "Acknowledge" (the page's acknowledge link) and "Silence" (when the
notification brings a silence link).

``template: runbook`` renders ``title`` and ``text`` with the ``runbook.teams.title`` and
``runbook.teams.text`` templates, for each the config does not set itself.

Answers: any 2xx is delivered (Workflows answer 202 with an empty body); 429 and 5xx may
succeed on a retry; any other status will not. The webhook URL is a secret: no message
shows it, and :meth:`MSTeamsChannel.display` gives its host only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from tocsin.channels.base import DeliveryError, Message, SendResult, judge_status
from tocsin.channels.http_client import (
    USER_AGENT,
    ClientFactory,
    build_http_client,
    secret_values,
    send_request,
)
from tocsin.channels.msteams.card import adaptive_card_message
from tocsin.channels.render import message_data
from tocsin.config.receivers import MSTeamsConfig, MSTeamsV2Config
from tocsin.templates import TemplateField, Templates

__all__ = ["ClientFactory", "MSTeamsChannel", "msteams_target"]


NAME = "Microsoft Teams"
RUNBOOK_TEXTS = {
    "title": '{% include "runbook.teams.title" %}',
    "text": '{% include "runbook.teams.text" %}',
}


def msteams_target(config: MSTeamsConfig | MSTeamsV2Config) -> str:
    """The webhook URL an ``msteams_configs`` or ``msteamsv2_configs`` entry posts to (a
    secret; ``webhook_url_file`` is read at load)."""
    if config.webhook_url is None or not config.webhook_url.get_secret_value():
        raise ValueError("Microsoft Teams config has no webhook URL")
    return config.webhook_url.get_secret_value()


def _default(config: MSTeamsConfig | MSTeamsV2Config, name: str) -> str:
    default = type(config).model_fields[name].default
    return default if isinstance(default, str) else ""


class MSTeamsChannel:
    """Posts notifications to one ``msteams_configs`` or ``msteamsv2_configs`` entry.

    Without ``client_factory`` the channel builds its own client from the config's
    ``http_config`` (``timeout``, ``base_dir`` for relative TLS files) and :meth:`aclose`
    closes it; a client from ``client_factory`` is left to whoever made the factory.
    Building raises ``ValueError`` when the ``http_config`` cannot be honoured.
    """

    def __init__(
        self,
        config: MSTeamsConfig | MSTeamsV2Config,
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
        self._secrets = secret_values(config.http_config)
        runbook = config.template == "runbook"

        def field(name: str, text: str) -> TemplateField:
            if runbook and name in RUNBOOK_TEXTS and name not in config.model_fields_set:
                text = RUNBOOK_TEXTS[name]
            return templates.field(text, default=_default(config, name), source=where(name))

        self._title = field("title", config.title)
        self._text = field("text", config.text)
        self._summary = (
            field("summary", config.summary) if isinstance(config, MSTeamsConfig) else None
        )
        if client_factory is None:
            self._client = build_http_client(
                config.http_config, timeout=timeout, user_agent=USER_AGENT, base_dir=base_dir
            )
            self._owns_client = True
        else:
            self._client = client_factory(config.http_config)
            self._owns_client = False

    def display(self, target: str) -> str:
        """What a delivery log may show of ``target``: the webhook URL's host."""
        try:
            host = httpx.URL(target).host
        except httpx.InvalidURL:
            host = ""
        return host or "Microsoft Teams webhook"

    def card(self, message: Message) -> dict[str, object]:
        """The Workflows message posted for ``message``."""
        data = message_data(message, self._external_url)
        render = self._templates.render
        extra = message.extra
        buttons = [
            ("Runbook", str(data["runbook_url"])),
            ("Acknowledge", str(data["ack_url"])),
            ("Silence", str(extra.get("silence_url", "") or "")),
        ]
        return adaptive_card_message(
            title=render(self._title, data),
            text=render(self._text, data),
            status=str(data["status"]),
            buttons=buttons,
            summary=render(self._summary, data) if self._summary is not None else "",
        )

    def body(self, message: Message) -> bytes:
        """The request body posted for ``message``."""
        return orjson.dumps(self.card(message))

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        """Post one card; raises ``DeliveryError``."""
        if not target:
            raise DeliveryError(f"{NAME} webhook URL is empty", retryable=False)
        answer = await send_request(
            self._client,
            "POST",
            target,
            name=NAME,
            content=self.body(message),
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            secrets=self._secrets,
        )
        error = judge_status(
            answer.status,
            NAME,
            now=message.now,
            detail=answer.excerpt,
            retry_after=answer.retry_after,
        )
        if error is not None:
            raise error
        return SendResult(status=answer.status)

    async def aclose(self) -> None:
        """Close the HTTP client the channel built (not one from a factory)."""
        if self._owns_client:
            await self._client.aclose()
