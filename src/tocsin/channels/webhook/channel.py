"""The ``webhook`` channel: POSTs Alertmanager's version 4 payload to the configured URL.

The request carries ``Content-Type: application/json``, ``User-Agent: tocsin/<version>``
and ``Idempotency-Key`` (the same on every retry of a delivery), with the authentication,
TLS and proxy settings of the config's ``http_config``.

The outcome is judged by the policy of every channel (``judge_status``): any 2xx is
delivered; a 5xx, a 429 (after its ``Retry-After``), a connection error or a timeout may
succeed on a retry; any other status (4xx, or a 3xx when redirects are not followed) will
not. The URL is a secret: no message shows it.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import orjson

from tocsin.channels.base import Message, SendResult, judge_status
from tocsin.channels.http_client import (
    USER_AGENT,
    ClientFactory,
    build_http_client,
    secret_values,
    send_request,
)
from tocsin.channels.webhook.payload import webhook_payload
from tocsin.config.receivers import WebhookConfig

__all__ = ["ClientFactory", "WebhookChannel", "webhook_target"]


def webhook_target(config: WebhookConfig) -> str:
    """The URL a ``webhook_configs`` entry sends to (``url_file`` is read at load)."""
    if not config.url:
        raise ValueError("webhook config has no URL")
    return config.url.get_secret_value()


class WebhookChannel:
    """Sends notifications to one ``webhook_configs`` entry.

    Without ``client_factory`` the channel builds its own client from the config's
    ``http_config`` (``timeout``, ``base_dir`` for relative TLS files) and :meth:`aclose`
    closes it; a client from ``client_factory`` is left to whoever made the factory.
    Building raises ``ValueError`` when the ``http_config`` cannot be honoured.
    """

    def __init__(
        self,
        config: WebhookConfig,
        external_url: str,
        *,
        client_factory: ClientFactory | None = None,
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> None:
        self._config = config
        self._external_url = external_url
        self._secrets = secret_values(config.http_config)
        if client_factory is None:
            self._client = build_http_client(
                config.http_config, timeout=timeout, user_agent=USER_AGENT, base_dir=base_dir
            )
            self._owns_client = True
        else:
            self._client = client_factory(config.http_config)
            self._owns_client = False

    def display(self, target: str) -> str:
        """The target as logs may show it: the URL's scheme and host (the URL is a secret)."""
        parts = urllib.parse.urlsplit(target)
        host = parts.hostname or "?"
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")

    def body(self, message: Message) -> bytes:
        """The JSON document sent for ``message``."""
        return orjson.dumps(
            webhook_payload(
                receiver=message.receiver,
                group_key=message.group_key,
                group_labels=message.group_labels,
                alerts=message.alerts,
                now=message.now,
                external_url=self._external_url,
                max_alerts=self._config.max_alerts,
            )
        )

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": idempotency_key,
        }
        answer = await send_request(
            self._client,
            "POST",
            target,
            name="webhook",
            content=self.body(message),
            headers=headers,
            secrets=self._secrets,
        )
        error = judge_status(
            answer.status,
            "webhook",
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
