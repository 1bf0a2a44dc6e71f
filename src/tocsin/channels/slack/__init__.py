"""The ``slack`` channel (``slack_configs``): Alertmanager's incoming webhook request, or the
Web API with a bot token and one thread per group."""

from tocsin.channels.slack._gojson import go_json
from tocsin.channels.slack.channel import (
    DEFAULT_WEB_API_URL,
    ClientFactory,
    SlackChannel,
    slack_target,
)
from tocsin.channels.slack.message import (
    MAX_ACTIONS,
    MAX_TITLE_RUNES,
    RUNBOOK_TEXTS,
    SlackMessage,
    tocsin_buttons,
    truncate_runes,
)
from tocsin.channels.slack.webapi import GONE_ERRORS, RETRYABLE_ERRORS, SlackAPIError

__all__ = [
    "DEFAULT_WEB_API_URL",
    "GONE_ERRORS",
    "MAX_ACTIONS",
    "MAX_TITLE_RUNES",
    "RETRYABLE_ERRORS",
    "RUNBOOK_TEXTS",
    "ClientFactory",
    "SlackAPIError",
    "SlackChannel",
    "SlackMessage",
    "go_json",
    "slack_target",
    "tocsin_buttons",
    "truncate_runes",
]
