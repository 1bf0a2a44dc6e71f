"""The ``global`` section: defaults that receivers inherit at load, and ``resolve_timeout``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from tocsin.config._base import Model, SecretFile
from tocsin.config._duration import Duration
from tocsin.config._http import HTTPClientConfig
from tocsin.config._types import URL, HostPort, Secret, SecretURL, Str

__all__ = ["GlobalConfig"]


def _pair(name: str) -> SecretFile:
    return SecretFile(
        name, f"{name}_file", message=f"at most one of {name} & {name}_file must be configured"
    )


class GlobalConfig(Model):
    resolve_timeout: Duration = Duration(5 * 60 * 1000)
    http_config: HTTPClientConfig = Field(default_factory=HTTPClientConfig)
    smtp_from: Str = ""
    smtp_hello: Str = "localhost"
    smtp_smarthost: HostPort = ""
    smtp_auth_username: Str = ""
    smtp_auth_password: Secret | None = None
    smtp_auth_password_file: Str = ""
    smtp_auth_secret: Secret | None = None
    smtp_auth_identity: Str = ""
    smtp_require_tls: bool = True
    slack_api_url: SecretURL | None = None
    slack_api_url_file: Str = ""
    pagerduty_url: URL | None = "https://events.pagerduty.com/v2/enqueue"
    opsgenie_api_url: URL | None = "https://api.opsgenie.com/"
    opsgenie_api_key: Secret | None = None
    opsgenie_api_key_file: Str = ""
    wechat_api_url: URL | None = "https://qyapi.weixin.qq.com/cgi-bin/"
    wechat_api_secret: Secret | None = None
    wechat_api_corp_id: Str = ""
    victorops_api_url: URL | None = (
        "https://alert.victorops.com/integrations/generic/20131114/alert/"
    )
    victorops_api_key: Secret | None = None
    victorops_api_key_file: Str = ""
    telegram_api_url: URL | None = "https://api.telegram.org"
    webex_api_url: URL | None = "https://webexapis.com/v1/messages"
    # tocsin: credentials for reaching people (and the defaults of receivers)
    slack_bot_token: Secret | None = None
    slack_bot_token_file: Str = ""
    slack_web_api_url: URL = "https://slack.com/api/"
    twilio_account_sid: Str = ""
    twilio_auth_token: Secret | None = None
    twilio_auth_token_file: Str = ""
    twilio_from: Str = ""
    twilio_api_url: URL = "https://api.twilio.com"

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        _pair("slack_api_url"),
        _pair("opsgenie_api_key"),
        _pair("victorops_api_key"),
        _pair("smtp_auth_password"),
        _pair("slack_bot_token"),
        _pair("twilio_auth_token"),
    )
