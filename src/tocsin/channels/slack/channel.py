"""The ``slack`` channel: an incoming webhook as Alertmanager 0.25 uses it, or the Web API
with a bot token and one thread per group.

**Incoming webhook** (``api_url``, no bot token): one ``POST`` of Alertmanager's request to
the secret URL, with ``Content-Type: application/json``. Slack answers ``200 ok``; a 4xx is
permanent, a 5xx or 429 retryable (see :mod:`tocsin.channels.slack.webapi`).

**Web API** (``bot_token``): ``POST {web_api_url}chat.postMessage`` with
``Authorization: Bearer <token>``. The first notification of a group posts a parent message
and returns ``state = {"channel": <channel id>, "ts": <ts>}``; later firing notifications
reply in its thread (``thread_ts``). A resolved notification rewrites the parent
(``chat.update``: resolved title, the resolved colour) and replies in the thread, and its
state gets ``"resolved": true``, so the next firing notification starts a new thread. A
parent that can no longer be updated or replied to (deleted, too old) is replaced by a new
one. ``SendResult.reference`` is the ``ts`` of the message posted.

Neither the webhook URL nor the token appears in any error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

from tocsin.channels.base import DeliveryError, Message, SendResult, judge_status
from tocsin.channels.http_client import (
    USER_AGENT,
    ClientFactory,
    build_http_client,
    secret_values,
    send_request,
)
from tocsin.channels.render import message_data
from tocsin.channels.slack._gojson import go_json
from tocsin.channels.slack.message import SlackMessage
from tocsin.channels.slack.webapi import (
    GONE_ERRORS,
    SlackAPIError,
    parse_api_answer,
    webhook_json_error,
)
from tocsin.channels.webhook import sort_alerts
from tocsin.config import GlobalConfig
from tocsin.config.receivers import SlackConfig
from tocsin.templates import TemplateData, Templates

__all__ = ["DEFAULT_WEB_API_URL", "ClientFactory", "SlackChannel", "slack_target"]


DEFAULT_WEB_API_URL = "https://slack.com/api/"
_JSON = "application/json"
_JSON_UTF8 = "application/json; charset=utf-8"


def slack_target(config: SlackConfig) -> str:
    """The channel a ``slack_configs`` entry posts to, as configured (it may be a template);
    empty for an incoming webhook's own channel."""
    return config.channel


class _Gone(Exception):
    """The thread's parent can no longer be updated or replied to."""


class SlackChannel:
    """Sends notifications to one ``slack_configs`` entry (or, see :meth:`for_people`, to
    people by their Slack user id).

    Every template field is compiled here, once. Without ``client_factory`` the channel
    builds its own client from the config's ``http_config`` and :meth:`aclose` closes it.
    Raises ``ValueError`` when the entry has neither a webhook URL nor a bot token, or when
    its ``http_config`` cannot be honoured.
    """

    def __init__(
        self,
        config: SlackConfig,
        *,
        templates: Templates,
        external_url: str,
        where: Callable[[str], str] = lambda field: "",
        client_factory: ClientFactory | None = None,
        timeout: float = 10.0,
        base_dir: Path | None = None,
        buttons: bool = False,
    ) -> None:
        self._config = config
        self._external_url = external_url
        self._token = config.bot_token.get_secret_value() if config.bot_token else ""
        self._webhook_url = config.api_url.get_secret_value() if config.api_url else ""
        if not self._token and not self._webhook_url:
            raise ValueError("slack config has neither api_url nor bot_token")
        base = (config.web_api_url or DEFAULT_WEB_API_URL).rstrip("/") + "/"
        self._api_base = base
        self._secrets = [
            s for s in (self._token, self._webhook_url, *secret_values(config.http_config)) if s
        ]
        self.message = SlackMessage(
            config, templates, where=where, buttons=buttons or bool(self._token)
        )
        if client_factory is None:
            self._client = build_http_client(
                config.http_config, timeout=timeout, user_agent=USER_AGENT, base_dir=base_dir
            )
            self._owns_client = True
        else:
            self._client = client_factory(config.http_config)
            self._owns_client = False

    @classmethod
    def for_people(
        cls,
        glob: GlobalConfig,
        *,
        templates: Templates,
        external_url: str,
        where: Callable[[str], str] = lambda field: "",
        client_factory: ClientFactory | None = None,
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> Self:
        """A channel that sends direct messages with ``global.slack_bot_token``: the target
        is a user id (``U012ABCDEF``); texts are the runbook's, with runbook, acknowledge
        and silence buttons. Raises ``ValueError`` without a global bot token."""
        if glob.slack_bot_token is None:
            raise ValueError("global.slack_bot_token is not set")
        config = SlackConfig(
            send_resolved=True,
            template="runbook",
            http_config=glob.http_config,
            bot_token=glob.slack_bot_token,
            web_api_url=glob.slack_web_api_url or DEFAULT_WEB_API_URL,
        )
        return cls(
            config,
            templates=templates,
            external_url=external_url,
            where=where,
            client_factory=client_factory,
            timeout=timeout,
            base_dir=base_dir,
            buttons=True,
        )

    @property
    def uses_web_api(self) -> bool:
        """Whether this channel posts with the Web API (a bot token) or a webhook."""
        return bool(self._token)

    def display(self, target: str) -> str:
        """How ``target`` is shown in logs and the API: the channel or user id."""
        return target or "the webhook's channel"

    def data(self, message: Message) -> TemplateData:
        """The template data of ``message``, its alerts in Alertmanager's order."""
        ordered = replace(message, alerts=sort_alerts(message.alerts))
        return message_data(ordered, self._external_url)

    def webhook_body(self, message: Message, target: str | None = None) -> bytes:
        """The bytes an incoming webhook receives for ``message``: Alertmanager's."""
        data = self.data(message)
        channel = self._channel(slack_target(self._config) if target is None else target, data)
        return go_json(self.message.webhook_request(data, channel))

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        """Deliver ``message`` to ``target`` (a channel, or a user id); raises
        ``DeliveryError``."""
        if self._token:
            return await self._send_web_api(target, message)
        return await self._send_webhook(target, message)

    async def aclose(self) -> None:
        """Close the HTTP client the channel built (not one from a factory)."""
        if self._owns_client:
            await self._client.aclose()

    # --- incoming webhook ---------------------------------------------------------------

    async def _send_webhook(self, target: str, message: Message) -> SendResult:
        data = self.data(message)
        channel = self._channel(target, data)
        body = go_json(self.message.webhook_request(data, channel))
        what = f"slack webhook (channel {channel!r})" if channel else "slack webhook"
        answer = await send_request(
            self._client,
            "POST",
            self._webhook_url,
            name=what,
            content=body,
            headers={"Content-Type": _JSON, "User-Agent": USER_AGENT},
            secrets=self._secrets,
            read_body=True,
        )
        error = judge_status(
            answer.status,
            what,
            now=message.now,
            detail=answer.excerpt,
            retry_after=answer.retry_after,
        )
        if error is None:
            error = webhook_json_error(answer, what, now=message.now, secrets=self._secrets)
        if error is not None:
            raise error
        return SendResult(status=answer.status)

    # --- Web API: one thread per group --------------------------------------------------

    async def _send_web_api(self, target: str, message: Message) -> SendResult:
        data = self.data(message)
        state: Mapping[str, Any] = message.state
        parent = str(state.get("ts") or "")
        where = str(state.get("channel") or "")
        open_thread = bool(parent and where and not state.get("resolved"))
        resolved = message.status == "resolved"
        if open_thread and resolved:
            try:
                await self._call(
                    "chat.update", self.message.update_message(data, where, parent), message
                )
            except _Gone:
                pass  # the parent is gone: the resolution starts a new one
            else:
                reply = await self._post(
                    data, where, message, resolved=True, thread_ts=parent, gone=False
                )
                state = {"channel": where, "ts": parent, "resolved": True}
                return SendResult(200, reply[1], state)
        elif open_thread:
            try:
                reply = await self._post(data, where, message, resolved=False, thread_ts=parent)
            except _Gone:
                pass  # the parent is gone: start a new thread
            else:
                return SendResult(200, reply[1], {"channel": where, "ts": parent})
        channel = self._channel(target, data)
        if not channel:
            raise DeliveryError("slack: no channel to post to", retryable=False)
        posted_channel, ts = await self._post(data, channel, message, resolved=resolved)
        new_state: dict[str, Any] = {"channel": posted_channel, "ts": ts}
        if resolved:
            new_state["resolved"] = True
        if not ts:
            new_state = {"channel": posted_channel}  # nothing to thread on
        return SendResult(200, ts, new_state)

    async def _post(
        self,
        data: TemplateData,
        channel: str,
        message: Message,
        *,
        resolved: bool,
        thread_ts: str = "",
        gone: bool = True,
    ) -> tuple[str, str]:
        """Post a message; the channel id and ``ts`` Slack answers. A reply to a parent
        that is gone raises ``_Gone`` when ``gone``, ``DeliveryError`` otherwise."""
        request = self.message.post_message(data, channel, resolved=resolved, thread_ts=thread_ts)
        answer = await self._call(
            "chat.postMessage", request, message, gone=gone and bool(thread_ts)
        )
        answered_channel = answer.get("channel")
        ts = answer.get("ts")
        return (
            answered_channel if isinstance(answered_channel, str) and answered_channel else channel,
            ts if isinstance(ts, str) else "",
        )

    async def _call(
        self, method: str, request: dict[str, Any], message: Message, *, gone: bool = True
    ) -> dict[str, Any]:
        """Call a Web API method; its answer when ``ok``. Raises ``_Gone`` (when ``gone``)
        for a parent that can no longer be used, ``DeliveryError`` otherwise."""
        what = f"slack {method} to {request.get('channel', '')!r}"
        answer = await send_request(
            self._client,
            "POST",
            self._api_base + method,
            name=what,
            content=go_json(request),
            headers={
                "Content-Type": _JSON_UTF8,
                "Authorization": f"Bearer {self._token}",
                "User-Agent": USER_AGENT,
            },
            secrets=self._secrets,
            read_body=True,
        )
        error = judge_status(
            answer.status,
            what,
            now=message.now,
            detail=answer.excerpt,
            retry_after=answer.retry_after,
        )
        if error is not None:
            raise error
        try:
            return parse_api_answer(answer, what, now=message.now, secrets=self._secrets)
        except SlackAPIError as exc:
            if gone and exc.code in GONE_ERRORS:
                raise _Gone from exc
            raise

    def _channel(self, target: str, data: TemplateData) -> str:
        """``target`` itself, unless it is the configured (templated) channel: its text."""
        if target and target != self._config.channel:
            return target
        return self.message.render("channel", data)
