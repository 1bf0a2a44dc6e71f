"""A named receiver and the registry of its integration types.

:data:`RECEIVER_TYPES` maps each YAML key (``webhook_configs``) to its model, in the order
Alertmanager 0.25 marshals them, followed by the types Alertmanager 0.25 does not have.
:data:`SUPPORTED_RECEIVER_TYPES` are those tocsin can send; the others are validated in
full but refused at load unless ``allow_unsupported_receivers`` is set.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from tocsin.config._base import Model
from tocsin.config._duration import Duration
from tocsin.config._types import Str, StrList
from tocsin.config.receivers._common import NotifierConfig
from tocsin.config.receivers.discord import DiscordConfig
from tocsin.config.receivers.email import EmailConfig
from tocsin.config.receivers.log import LogConfig
from tocsin.config.receivers.msteams import MSTeamsConfig, MSTeamsV2Config
from tocsin.config.receivers.opsgenie import OpsGenieConfig
from tocsin.config.receivers.pagerduty import PagerdutyConfig
from tocsin.config.receivers.pushover import PushoverConfig
from tocsin.config.receivers.slack import SlackConfig
from tocsin.config.receivers.sns import SNSConfig
from tocsin.config.receivers.telegram import TelegramConfig
from tocsin.config.receivers.twilio import TwilioConfig
from tocsin.config.receivers.victorops import VictorOpsConfig
from tocsin.config.receivers.webex import WebexConfig
from tocsin.config.receivers.webhook import WebhookConfig
from tocsin.config.receivers.wechat import WechatConfig

__all__ = [
    "ALERTMANAGER_RECEIVER_TYPES",
    "RECEIVER_TYPES",
    "SUPPORTED_RECEIVER_TYPES",
    "Receiver",
    "RetryPolicy",
]

RECEIVER_TYPES: dict[str, type[NotifierConfig]] = {
    "discord_configs": DiscordConfig,
    "email_configs": EmailConfig,
    "pagerduty_configs": PagerdutyConfig,
    "slack_configs": SlackConfig,
    "webhook_configs": WebhookConfig,
    "opsgenie_configs": OpsGenieConfig,
    "wechat_configs": WechatConfig,
    "pushover_configs": PushoverConfig,
    "victorops_configs": VictorOpsConfig,
    "sns_configs": SNSConfig,
    "telegram_configs": TelegramConfig,
    "webex_configs": WebexConfig,
    "msteams_configs": MSTeamsConfig,
    "msteamsv2_configs": MSTeamsV2Config,
    "log_configs": LogConfig,
    "twilio_configs": TwilioConfig,
}

ALERTMANAGER_RECEIVER_TYPES: tuple[str, ...] = tuple(RECEIVER_TYPES)[:12]
"""The receiver types of Alertmanager 0.25, in its marshalling order."""

SUPPORTED_RECEIVER_TYPES: frozenset[str] = frozenset(
    {
        "webhook_configs",
        "email_configs",
        "slack_configs",
        "pagerduty_configs",
        "msteams_configs",
        "msteamsv2_configs",
        "log_configs",
        "twilio_configs",
    }
)


def _none_list(value: Any) -> Any:
    return [] if value is None else value


def _none_model(value: Any) -> Any:
    return {} if value is None else value


_EMPTY = BeforeValidator(_none_list)


class RetryPolicy(Model):
    """How long a receiver's notification may keep failing before its fallbacks get it."""

    deadline: Duration = Duration(5 * 60 * 1000)


class Receiver(Model):
    name: Str = ""
    # tocsin: receivers that get a notification this one could not deliver
    fallback: StrList = Field(default_factory=list)
    retry: Annotated[RetryPolicy, BeforeValidator(_none_model)] = Field(default_factory=RetryPolicy)
    discord_configs: Annotated[list[DiscordConfig], _EMPTY] = Field(default_factory=list)
    email_configs: Annotated[list[EmailConfig], _EMPTY] = Field(default_factory=list)
    pagerduty_configs: Annotated[list[PagerdutyConfig], _EMPTY] = Field(default_factory=list)
    slack_configs: Annotated[list[SlackConfig], _EMPTY] = Field(default_factory=list)
    webhook_configs: Annotated[list[WebhookConfig], _EMPTY] = Field(default_factory=list)
    opsgenie_configs: Annotated[list[OpsGenieConfig], _EMPTY] = Field(default_factory=list)
    wechat_configs: Annotated[list[WechatConfig], _EMPTY] = Field(default_factory=list)
    pushover_configs: Annotated[list[PushoverConfig], _EMPTY] = Field(default_factory=list)
    victorops_configs: Annotated[list[VictorOpsConfig], _EMPTY] = Field(default_factory=list)
    sns_configs: Annotated[list[SNSConfig], _EMPTY] = Field(default_factory=list)
    telegram_configs: Annotated[list[TelegramConfig], _EMPTY] = Field(default_factory=list)
    webex_configs: Annotated[list[WebexConfig], _EMPTY] = Field(default_factory=list)
    msteams_configs: Annotated[list[MSTeamsConfig], _EMPTY] = Field(default_factory=list)
    msteamsv2_configs: Annotated[list[MSTeamsV2Config], _EMPTY] = Field(default_factory=list)
    log_configs: Annotated[list[LogConfig], _EMPTY] = Field(default_factory=list)
    twilio_configs: Annotated[list[TwilioConfig], _EMPTY] = Field(default_factory=list)

    def integrations(self) -> list[tuple[str, NotifierConfig]]:
        """Every configured integration as ``(type key, config)``, in registry order."""
        out: list[tuple[str, NotifierConfig]] = []
        for key in RECEIVER_TYPES:
            out.extend((key, item) for item in getattr(self, key))
        return out
