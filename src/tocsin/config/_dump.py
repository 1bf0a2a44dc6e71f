"""Dumps of a loaded configuration.

:func:`alertmanager_yaml` re-marshals the Alertmanager 0.25 subset the way Alertmanager
does for ``/api/v2/status`` ``config.original``: same key order, every default filled in
(global block, receiver defaults, inherited ``http_config``), secrets as ``<secret>``,
durations in canonical form, empty optional keys left out. Alertmanager prints TLS versions
as numbers (which it cannot read back); tocsin prints their names, so that the text always
passes ``amtool check-config``.

:func:`redacted_dict` is the whole configuration (tocsin's sections too) as JSON-able data
with secrets as ``<secret>``.

Webhook URLs are plain URLs in Alertmanager 0.25 (printed in clear); tocsin treats them as
secrets and prints ``http://<secret>/``, a placeholder that Alertmanager still parses.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel

from tocsin.config._base import Model
from tocsin.config._config import ONCALL_SECTIONS, RESERVED_SECTIONS, Config
from tocsin.config._duration import Duration, GoDuration
from tocsin.config._global import GlobalConfig
from tocsin.config._http import BasicAuth, HTTPClientConfig, OAuth2, TLSConfig
from tocsin.config._matchers import AnchoredRegex
from tocsin.config._route import Route
from tocsin.config._timeintervals import (
    InclusiveRange,
    NamedTimeInterval,
    TimeRange,
)
from tocsin.config._types import SECRET_TOKEN, Secret
from tocsin.config.receivers import (
    ALERTMANAGER_RECEIVER_TYPES,
    EmailConfig,
    NotifierConfig,
    PushoverConfig,
    Receiver,
    SlackConfig,
    SlackField,
    SNSConfig,
    TelegramConfig,
    VictorOpsConfig,
    WebexConfig,
    WebhookConfig,
)
from tocsin.model import Matcher

__all__ = ["alertmanager_yaml", "redacted_dict"]

# Keys Alertmanager prints even when empty or false (no ``omitempty`` in its structs).
_ALWAYS: dict[type[BaseModel], frozenset[str]] = {
    Config: frozenset({"templates", "global", "route"}),
    GlobalConfig: frozenset({"resolve_timeout", "smtp_require_tls", "http_config"}),
    Route: frozenset({"continue"}),
    NotifierConfig: frozenset({"send_resolved"}),
    WebhookConfig: frozenset({"url", "max_alerts"}),
    SlackConfig: frozenset({"short_fields", "link_names"}),
    PushoverConfig: frozenset({"html", "retry", "expire"}),
    VictorOpsConfig: frozenset(
        {
            "api_url",
            "routing_key",
            "message_type",
            "state_message",
            "entity_display_name",
            "monitoring_tool",
        }
    ),
    TelegramConfig: frozenset({"api_url"}),
    WebexConfig: frozenset({"room_id"}),
    SNSConfig: frozenset({"sigv4"}),
    HTTPClientConfig: frozenset({"follow_redirects", "enable_http2"}),
    TLSConfig: frozenset({"insecure_skip_verify"}),
    OAuth2: frozenset({"client_secret_file"}),
    BasicAuth: frozenset({"username"}),
    NamedTimeInterval: frozenset({"name", "time_intervals"}),
}
# Pointers in Alertmanager: printed whenever set, even to false.
_NULLABLE: dict[type[BaseModel], frozenset[str]] = {
    EmailConfig: frozenset({"require_tls"}),
    Route: frozenset({"group_wait", "group_interval", "repeat_interval"}),
    SlackField: frozenset({"short"}),
}
# Keys tocsin has and Alertmanager 0.25 does not.
_NOT_IN_ALERTMANAGER: dict[type[BaseModel], frozenset[str]] = {
    Config: frozenset({"severity", *RESERVED_SECTIONS, *ONCALL_SECTIONS}),
    Route: frozenset({"escalation_policy"}),
    HTTPClientConfig: frozenset({"no_proxy", "proxy_from_environment"}),
    WebhookConfig: frozenset({"url_file"}),
    Receiver: frozenset(
        {
            "msteams_configs",
            "msteamsv2_configs",
            "log_configs",
            "twilio_configs",
            "fallback",
            "retry",
        }
    ),
    NotifierConfig: frozenset({"template", "rate_limit"}),
    SlackConfig: frozenset({"bot_token", "bot_token_file", "web_api_url"}),
    GlobalConfig: frozenset(
        {
            "slack_bot_token",
            "slack_bot_token_file",
            "slack_web_api_url",
            "twilio_account_sid",
            "twilio_auth_token",
            "twilio_auth_token_file",
            "twilio_from",
            "twilio_api_url",
        }
    ),
}
_WEBHOOK_URL_PLACEHOLDER = "http://<secret>/"
_FLOW_KEYS = frozenset({"weekdays", "days_of_month", "months", "years"})


class _FlowList(list[Any]):
    """A list Alertmanager prints in flow style (``[monday, friday]``)."""


class _Dumper(yaml.SafeDumper):
    """Quotes like Go's yaml.v2: a string that would read back as another type (``"1"``,
    ``"y"``, ``"09:00"``) is double-quoted; others are plain or single-quoted."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$"),
    list("-+0123456789"),
)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = None
    tag = dumper.resolve(yaml.ScalarNode, data, (True, False))  # type: ignore[no-untyped-call]
    if tag != "tag:yaml.org,2002:str":
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def _represent_flow(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_FlowList, _represent_flow)


def _lookup(table: dict[type[BaseModel], frozenset[str]], model: BaseModel) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for cls, names in table.items():
        if isinstance(model, cls):
            out |= names
    return out


def _tocsin_only(item: Any) -> bool:
    return isinstance(item, SlackConfig) and item.uses_web_api and item.api_url is None


def _empty(value: Any) -> bool:
    if isinstance(value, (Secret, Duration)):
        return not value
    if value is None or value is False:
        return True
    return isinstance(value, (int, float, str, list, dict)) and not value


class _Marshaller:
    def __init__(self, *, alertmanager: bool) -> None:
        self.am = alertmanager

    def model(self, model: BaseModel) -> dict[str, Any]:
        always = _lookup(_ALWAYS, model)
        nullable = _lookup(_NULLABLE, model)
        skip = _lookup(_NOT_IN_ALERTMANAGER, model) if self.am else frozenset()
        files = {
            pair.secret for pair in getattr(model, "secret_files", ()) if getattr(model, pair.file)
        }
        out: dict[str, Any] = {}
        for name, info in type(model).model_fields.items():
            key = info.alias or name
            if name in skip or key in skip:
                continue
            if name in files and not (self.am and isinstance(model, WebhookConfig)):
                continue
            value = getattr(model, name)
            if isinstance(value, TLSConfig) and self.am and not self._tls_set(value):
                continue
            if self.am and isinstance(value, list) and any(_tocsin_only(v) for v in value):
                # Slack through the Web API (a bot token) is tocsin's: Alertmanager 0.25
                # would refuse it for lack of a webhook URL.
                value = [v for v in value if not _tocsin_only(v)]
            if name in nullable or key in nullable:
                if value is None:
                    continue
            elif _empty(value) and name not in always and key not in always:
                continue
            if value is None:
                continue
            out[key] = self.value(value, key)
        return out

    @staticmethod
    def _tls_set(tls: TLSConfig) -> bool:
        return any(
            getattr(tls, name)
            for name in ("ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify")
        ) or bool(tls.min_version or tls.max_version)

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, Model):
            return self.model(value)
        if isinstance(value, Secret):
            if self.am and key == "url":
                return _WEBHOOK_URL_PLACEHOLDER
            return SECRET_TOKEN if value else ""
        if isinstance(value, (Duration, GoDuration, AnchoredRegex, Matcher, InclusiveRange)):
            return str(value)
        if isinstance(value, TimeRange):
            return value.as_dict()
        if isinstance(value, dict):
            return {
                str(k): self.value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
            }
        if isinstance(value, list):
            items = [self.value(v) for v in value]
            return _FlowList(items) if self.am and key in _FLOW_KEYS else items
        return value


def _alertmanager_data(config: Config) -> dict[str, Any]:
    marshaller = _Marshaller(alertmanager=True)
    data = marshaller.model(config)
    data["receivers"] = [marshaller.model(r) for r in config.receivers] or None
    if data["receivers"] is None:
        del data["receivers"]
    ordered: dict[str, Any] = {}
    for key in ("global", "route", "inhibit_rules", "receivers", "templates",
                "mute_time_intervals", "time_intervals"):  # fmt: skip
        if key in data:
            ordered[key] = data[key]
    return ordered


def alertmanager_yaml(config: Config) -> str:
    """The Alertmanager 0.25 part of ``config``, as Alertmanager marshals it."""
    assert ALERTMANAGER_RECEIVER_TYPES  # the registry order is the marshalling order
    return yaml.dump(
        _alertmanager_data(config),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,
    )


def redacted_dict(config: Config) -> dict[str, Any]:
    """The whole configuration as JSON-able data, secrets replaced by ``<secret>``."""
    data = _Marshaller(alertmanager=False).model(config)
    for section in RESERVED_SECTIONS:
        data.pop(section, None)
    return data
