"""Receiver integration models, one module per vendor or family, and their registry.

To add an integration: write its model in a new module (copy ``webhook.py``), add it to
``RECEIVER_TYPES`` and a field to ``Receiver`` in ``_receiver.py``, and, when tocsin can
send it, to ``SUPPORTED_RECEIVER_TYPES``.
"""

from tocsin.config.receivers._common import HTTPNotifierConfig, NotifierConfig, Rate, RateLimit
from tocsin.config.receivers._receiver import (
    ALERTMANAGER_RECEIVER_TYPES,
    RECEIVER_TYPES,
    SUPPORTED_RECEIVER_TYPES,
    Receiver,
    RetryPolicy,
)
from tocsin.config.receivers.discord import DiscordConfig
from tocsin.config.receivers.email import EmailConfig
from tocsin.config.receivers.log import LogConfig
from tocsin.config.receivers.msteams import MSTeamsConfig, MSTeamsV2Config
from tocsin.config.receivers.opsgenie import OpsGenieConfig, OpsGenieResponder
from tocsin.config.receivers.pagerduty import PagerdutyConfig, PagerdutyImage, PagerdutyLink
from tocsin.config.receivers.pushover import PushoverConfig
from tocsin.config.receivers.slack import (
    SlackAction,
    SlackConfig,
    SlackConfirmationField,
    SlackField,
)
from tocsin.config.receivers.sns import SigV4Config, SNSConfig
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
    "DiscordConfig",
    "EmailConfig",
    "HTTPNotifierConfig",
    "LogConfig",
    "MSTeamsConfig",
    "MSTeamsV2Config",
    "NotifierConfig",
    "OpsGenieConfig",
    "OpsGenieResponder",
    "PagerdutyConfig",
    "PagerdutyImage",
    "PagerdutyLink",
    "PushoverConfig",
    "Rate",
    "RateLimit",
    "Receiver",
    "RetryPolicy",
    "SNSConfig",
    "SigV4Config",
    "SlackAction",
    "SlackConfig",
    "SlackConfirmationField",
    "SlackField",
    "TelegramConfig",
    "TwilioConfig",
    "VictorOpsConfig",
    "WebexConfig",
    "WebhookConfig",
    "WechatConfig",
]
