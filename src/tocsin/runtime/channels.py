"""One channel per configured integration, the target it sends to, and its limits.

Every receiver type tocsin sends is in :data:`CHANNELS`: its config model, the module of
its channel, the channel class and the function that gives a configured integration's
target. A channel is built the same way for every type (see ``channels/base.py``); a
channel that cannot be built (an unreadable CA file, say) fails its notifications with
the reason instead of stopping the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tocsin.channels import Channel, DeliveryError, LogChannel, Message
from tocsin.config import Config, NotifierConfig, Rate, RateLimit
from tocsin.config.receivers import (
    EmailConfig,
    LogConfig,
    MSTeamsConfig,
    MSTeamsV2Config,
    PagerdutyConfig,
    SlackConfig,
    TwilioConfig,
    WebhookConfig,
)
from tocsin.pipeline import Integration, receiver_integrations
from tocsin.templates import Templates

__all__ = [
    "ALERTMANAGER_PACE",
    "CHANNELS",
    "CONTACT_TYPES",
    "BrokenChannel",
    "Endpoint",
    "UnsupportedChannel",
    "build_endpoint",
    "people_endpoints",
    "template_warnings",
]

log = logging.getLogger("tocsin.dispatch")

# (module, channel class, target function) per config model
CHANNELS: dict[type[NotifierConfig], tuple[str, str, str]] = {
    WebhookConfig: ("tocsin.channels.webhook", "WebhookChannel", "webhook_target"),
    EmailConfig: ("tocsin.channels.email", "EmailChannel", "email_target"),
    SlackConfig: ("tocsin.channels.slack", "SlackChannel", "slack_target"),
    PagerdutyConfig: ("tocsin.channels.pagerduty", "PagerdutyChannel", "pagerduty_target"),
    MSTeamsConfig: ("tocsin.channels.msteams", "MSTeamsChannel", "msteams_target"),
    MSTeamsV2Config: ("tocsin.channels.msteams", "MSTeamsChannel", "msteams_target"),
    TwilioConfig: ("tocsin.channels.twilio", "TwilioChannel", "twilio_target"),
}

ALERTMANAGER_PACE = frozenset(
    {"webhook", "email", "slack", "pagerduty", "msteams", "msteamsv2", "log"}
)
"""Receiver types Alertmanager has: retried at its pace (0.5 s × 1.5ⁿ ± 50 %)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an integration's notifications go: a channel, a target, and how the target
    may be shown; its rate limits; whether tocsin can send it at all."""

    channel: Channel
    target: str
    supported: bool = True
    display: str = ""
    rate_limit: RateLimit | None = field(default=None)
    alertmanager_pace: bool = True


class BrokenChannel:
    """An integration whose client could not be built (e.g. an unreadable CA file)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def send(self, target: str, message: Message, idempotency_key: str) -> None:
        raise DeliveryError(self.reason, retryable=False)


class UnsupportedChannel:
    """An integration tocsin cannot send (allowed by ``--allow-unsupported-receivers``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def send(self, target: str, message: Message, idempotency_key: str) -> None:
        raise DeliveryError(f"tocsin cannot send {self.kind} notifications", retryable=False)


def build_endpoint(
    integration: Integration,
    external_url: str,
    base_dir: Path | None = None,
    templates: Templates | None = None,
    where: Callable[[str], str] | None = None,
) -> Endpoint:
    """The endpoint of one integration; ``base_dir`` resolves relative file paths,
    ``where(field)`` tells template warnings where a field is written."""
    config: NotifierConfig | None = integration.config
    pace = integration.kind in ALERTMANAGER_PACE
    limit = config.rate_limit if config is not None else None
    if isinstance(config, LogConfig):
        return Endpoint(
            LogChannel(config.format), integration.receiver, display=integration.receiver
        )
    spec = CHANNELS.get(type(config)) if config is not None else None
    if spec is None or config is None:
        return Endpoint(UnsupportedChannel(integration.kind), "", supported=False)
    module_name, class_name, target_name = spec
    name = f"receiver {integration.receiver!r} {integration.kind}[{integration.index}]"
    try:
        module = importlib.import_module(module_name)
        target: str = getattr(module, target_name)(config)
        kwargs: dict[str, Any] = {"base_dir": base_dir}
        if not isinstance(config, WebhookConfig):
            kwargs["templates"] = templates if templates is not None else Templates()
            kwargs["where"] = where or (lambda _field: "")
        channel = getattr(module, class_name)(config, external_url=external_url, **kwargs)
    except ValueError as exc:
        reason = f"{name}: {exc}"
        log.error("%s; its notifications will fail", reason)
        return Endpoint(BrokenChannel(reason), "", rate_limit=limit, alertmanager_pace=pace)
    display_of = getattr(channel, "display", None)
    display = display_of(target) if callable(display_of) else integration.kind
    return Endpoint(
        channel,
        target,
        display=str(display),
        rate_limit=limit,
        alertmanager_pace=pace,
    )


def template_warnings(config: Config, external_url: str = "http://127.0.0.1:9093") -> list[str]:
    """What compiling every template of ``config`` reports: template files that cannot be
    read or translated, and fields that will render their channel's default instead
    (each with ``file:line:col``)."""
    templates = Templates(config.templates)
    base = config.source_path.parent if config.source_path is not None else None
    endpoints: list[Endpoint] = []
    for index, receiver in enumerate(config.receivers):
        for items in receiver_integrations([receiver]).values():
            for integration in items:
                at = ("receivers", index, f"{integration.kind}_configs", integration.index)

                def where(name: str, at: tuple[str | int, ...] = at) -> str:
                    return config.position(*at, name)

                endpoints.append(build_endpoint(integration, external_url, base, templates, where))

    async def close() -> None:
        for endpoint in endpoints:
            aclose = getattr(endpoint.channel, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    asyncio.run(close())
    return list(templates.warnings)


CONTACT_TYPES = ("email", "slack", "sms", "voice")
"""How a person can be reached; each is a channel built from ``global``'s credentials."""

_PEOPLE_RATE = RateLimit(per_target=Rate(count=1, seconds=60.0))


def people_endpoints(
    config: Config,
    external_url: str,
    templates: Templates,
    base_dir: Path | None = None,
) -> dict[str, Endpoint]:
    """One endpoint per contact type that ``global`` has credentials for (the target is
    set per page): e-mail (``smtp_*``), Slack (``slack_bot_token``), SMS and voice
    (``twilio_*``; at most one message a minute to a number, as for receivers)."""
    from tocsin.channels.email import EmailChannel
    from tocsin.channels.slack import SlackChannel
    from tocsin.channels.twilio import TwilioChannel

    glob = config.global_
    out: dict[str, Endpoint] = {}
    builders: dict[str, Callable[[], Any]] = {}
    if glob.smtp_smarthost and glob.smtp_from:
        builders["email"] = lambda: EmailChannel.for_people(
            glob, templates=templates, external_url=external_url, base_dir=base_dir
        )
    if glob.slack_bot_token or glob.slack_bot_token_file:
        builders["slack"] = lambda: SlackChannel.for_people(
            glob, templates=templates, external_url=external_url, base_dir=base_dir
        )
    if glob.twilio_account_sid and (glob.twilio_auth_token or glob.twilio_auth_token_file):
        for mode in ("sms", "voice"):
            builders[mode] = lambda mode=mode: TwilioChannel.for_people(  # type: ignore[misc]
                glob, templates=templates, external_url=external_url, mode=mode, base_dir=base_dir
            )
    for kind, build in builders.items():
        try:
            channel = build()
        except ValueError as exc:
            log.error("people cannot be reached by %s: %s", kind, exc)
            out[kind] = Endpoint(BrokenChannel(f"{kind}: {exc}"), "", alertmanager_pace=False)
            continue
        limit = _PEOPLE_RATE if kind in ("sms", "voice") else None
        out[kind] = Endpoint(channel, "", rate_limit=limit, alertmanager_pace=False)
    return out
