"""Filling receivers from ``global`` after validation, as Alertmanager does at load.

Each integration without its own ``http_config`` takes the global one; e-mail takes the
``smtp_*`` values; Slack, PagerDuty, Opsgenie, WeChat, VictorOps, Telegram and Webex take
their URLs and keys, and a missing global value is Alertmanager's "no global … set" error.
E-mail also gets Alertmanager's default ``To``/``From``/``Subject`` headers.
"""

from __future__ import annotations

from collections.abc import Callable

from tocsin.config._config import Config
from tocsin.config._global import GlobalConfig
from tocsin.config._yaml import Path
from tocsin.config.receivers import (
    EmailConfig,
    HTTPNotifierConfig,
    NotifierConfig,
    OpsGenieConfig,
    PagerdutyConfig,
    SlackConfig,
    TelegramConfig,
    TwilioConfig,
    VictorOpsConfig,
    WebexConfig,
    WechatConfig,
)
from tocsin.config.receivers._common import Rate, RateLimit
from tocsin.config.receivers.email import DEFAULT_EMAIL_SUBJECT

__all__ = ["apply_global_defaults"]

Report = Callable[[Path, str], None]


def apply_global_defaults(config: Config, report: Report) -> None:
    """Fill every receiver from ``config.global_``; ``report(path, message)`` on errors."""
    glob = config.global_
    for i, receiver in enumerate(config.receivers):
        for key, integration in _indexed(receiver.integrations()):
            index, item = integration
            path: Path = ("receivers", i, key, index)
            if isinstance(item, HTTPNotifierConfig) and item.http_config is None:
                item.http_config = glob.http_config
            message = _fill(item, glob)
            if message is not None:
                report(path, message)


def _indexed(
    pairs: list[tuple[str, NotifierConfig]],
) -> list[tuple[str, tuple[int, NotifierConfig]]]:
    counts: dict[str, int] = {}
    out = []
    for key, item in pairs:
        index = counts.get(key, 0)
        counts[key] = index + 1
        out.append((key, (index, item)))
    return out


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _fill(item: NotifierConfig, glob: GlobalConfig) -> str | None:
    if isinstance(item, EmailConfig):
        return _fill_email(item, glob)
    if isinstance(item, SlackConfig):
        if not item.uses_web_api and (glob.slack_bot_token or glob.slack_bot_token_file):
            item.bot_token = glob.slack_bot_token
            item.bot_token_file = glob.slack_bot_token_file
        if item.web_api_url is None:
            item.web_api_url = _with_slash(glob.slack_web_api_url)
        if item.api_url is None and not item.api_url_file:
            if item.uses_web_api:
                return None
            if glob.slack_api_url is None and not glob.slack_api_url_file:
                return "no global Slack API URL set either inline or in a file"
            item.api_url = glob.slack_api_url
            item.api_url_file = glob.slack_api_url_file
    elif isinstance(item, TwilioConfig):
        return _fill_twilio(item, glob)
    elif isinstance(item, PagerdutyConfig):
        if item.url is None:
            if glob.pagerduty_url is None:
                return "no global PagerDuty URL set"
            item.url = glob.pagerduty_url
    elif isinstance(item, OpsGenieConfig):
        if item.api_url is None:
            if glob.opsgenie_api_url is None:
                return "no global OpsGenie URL set"
            item.api_url = glob.opsgenie_api_url
        item.api_url = _with_slash(item.api_url)
        if not item.api_key and not item.api_key_file:
            if not glob.opsgenie_api_key and not glob.opsgenie_api_key_file:
                return "no global OpsGenie API Key set either inline or in a file"
            item.api_key = glob.opsgenie_api_key
            item.api_key_file = glob.opsgenie_api_key_file
    elif isinstance(item, WechatConfig):
        if item.api_url is None:
            if glob.wechat_api_url is None:
                return "no global Wechat URL set"
            item.api_url = glob.wechat_api_url
        if not item.api_secret:
            if not glob.wechat_api_secret:
                return "no global Wechat ApiSecret set"
            item.api_secret = glob.wechat_api_secret
        if not item.corp_id:
            if not glob.wechat_api_corp_id:
                return "no global Wechat CorpID set"
            item.corp_id = glob.wechat_api_corp_id
        item.api_url = _with_slash(item.api_url)
    elif isinstance(item, VictorOpsConfig):
        if item.api_url is None:
            if glob.victorops_api_url is None:
                return "no global VictorOps URL set"
            item.api_url = glob.victorops_api_url
        item.api_url = _with_slash(item.api_url)
        if not item.api_key and not item.api_key_file:
            if not glob.victorops_api_key and not glob.victorops_api_key_file:
                return "no global VictorOps API Key set"
            item.api_key = glob.victorops_api_key
            item.api_key_file = glob.victorops_api_key_file
    elif isinstance(item, TelegramConfig):
        if item.api_url is None:
            item.api_url = glob.telegram_api_url
    elif isinstance(item, WebexConfig) and item.api_url is None:
        if glob.webex_api_url is None:
            return "no global Webex URL set"
        item.api_url = glob.webex_api_url
    return None


def _fill_twilio(item: TwilioConfig, glob: GlobalConfig) -> str | None:
    if not item.account_sid:
        if not glob.twilio_account_sid:
            return "no global Twilio account SID set"
        item.account_sid = glob.twilio_account_sid
    if not item.auth_token and not item.auth_token_file:
        if not glob.twilio_auth_token and not glob.twilio_auth_token_file:
            return "no global Twilio auth token set either inline or in a file"
        item.auth_token = glob.twilio_auth_token
        item.auth_token_file = glob.twilio_auth_token_file
    if not item.from_:
        if not glob.twilio_from:
            return "no global Twilio from number set"
        item.from_ = glob.twilio_from
    if item.api_url is None:
        item.api_url = glob.twilio_api_url
    if item.rate_limit is None:
        item.rate_limit = RateLimit(per_target=Rate(count=1, seconds=60.0))
    return None


def _fill_email(item: EmailConfig, glob: GlobalConfig) -> str | None:
    if not item.smarthost:
        if not glob.smtp_smarthost:
            return "no global SMTP smarthost set"
        item.smarthost = glob.smtp_smarthost
    if not item.from_:
        if not glob.smtp_from:
            return "no global SMTP from set"
        item.from_ = glob.smtp_from
    if not item.hello:
        item.hello = glob.smtp_hello
    if not item.auth_username:
        item.auth_username = glob.smtp_auth_username
    if not item.auth_password and not item.auth_password_file:
        item.auth_password = glob.smtp_auth_password
        item.auth_password_file = glob.smtp_auth_password_file
    if not item.auth_secret:
        item.auth_secret = glob.smtp_auth_secret
    if not item.auth_identity:
        item.auth_identity = glob.smtp_auth_identity
    if item.require_tls is None:
        item.require_tls = glob.smtp_require_tls
    item.headers.setdefault("Subject", DEFAULT_EMAIL_SUBJECT)
    item.headers.setdefault("To", item.to)
    item.headers.setdefault("From", item.from_)
    return None
