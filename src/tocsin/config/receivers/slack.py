"""``slack_configs``: Slack incoming webhooks or ``chat.postMessage``, with attachments."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from tocsin.config._base import Model, SecretFile
from tocsin.config._types import URL, Secret, SecretURL, Str, StrList, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["SlackAction", "SlackConfig", "SlackConfirmationField", "SlackField"]


class SlackConfirmationField(Model):
    text: Str = ""
    title: Str = ""
    ok_text: Str = ""
    dismiss_text: Str = ""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.text:
            fail("missing text in Slack confirmation configuration")
        return self


class SlackAction(Model):
    type: Str = ""
    text: Str = ""
    url: Str = ""
    style: Str = ""
    name: Str = ""
    value: Str = ""
    confirm: SlackConfirmationField | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.type:
            fail("missing type in Slack action configuration")
        if not self.text:
            fail("missing text in Slack action configuration")
        if self.url:
            self.name = ""
            self.value = ""
            self.confirm = None
        elif not self.name:
            fail("missing name or url in Slack action configuration")
        return self


class SlackField(Model):
    title: Str = ""
    value: Str = ""
    short: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.title:
            fail("missing title in Slack field configuration")
        if not self.value:
            fail("missing value in Slack field configuration")
        return self


def _none_list(value: Any) -> Any:
    return [] if value is None else value


class SlackConfig(HTTPNotifierConfig):
    send_resolved: bool = False
    api_url: SecretURL | None = None
    api_url_file: Str = ""
    channel: Str = ""
    username: Str = '{{ template "slack.default.username" . }}'
    color: Str = '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
    title: Str = '{{ template "slack.default.title" . }}'
    title_link: Str = '{{ template "slack.default.titlelink" . }}'
    pretext: Str = '{{ template "slack.default.pretext" . }}'
    text: Str = '{{ template "slack.default.text" . }}'
    fields: Annotated[list[SlackField], BeforeValidator(_none_list)] = Field(default_factory=list)
    short_fields: bool = False
    footer: Str = '{{ template "slack.default.footer" . }}'
    fallback: Str = '{{ template "slack.default.fallback" . }}'
    callback_id: Str = '{{ template "slack.default.callbackid" . }}'
    icon_emoji: Str = '{{ template "slack.default.iconemoji" . }}'
    icon_url: Str = '{{ template "slack.default.iconurl" . }}'
    image_url: Str = ""
    thumb_url: Str = ""
    link_names: bool = False
    mrkdwn_in: StrList = Field(default_factory=list)
    actions: Annotated[list[SlackAction], BeforeValidator(_none_list)] = Field(default_factory=list)
    # tocsin: the Web API with a bot token (one thread per group), instead of a webhook
    bot_token: Secret | None = None
    bot_token_file: Str = ""
    web_api_url: URL | None = None

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile("api_url", "api_url_file"),
        SecretFile("bot_token", "bot_token_file"),
    )

    @property
    def uses_web_api(self) -> bool:
        """Whether this integration posts through the Web API (a bot token is set)."""
        return bool(self.bot_token or self.bot_token_file)
