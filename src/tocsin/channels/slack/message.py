"""What a ``slack_configs`` entry sends: its templates, compiled once, and the request body.

The attachment is Alertmanager 0.25's, field by field (``notify/slack/slack.go``):

- ``title`` (cut to 1024 characters, the last one becoming "…"), ``title_link``,
  ``pretext``, ``image_url``, ``thumb_url``, ``color`` are left out when empty; ``text``,
  ``fallback``, ``callback_id`` and ``footer`` are always there;
- ``mrkdwn_in`` is ``["fallback", "pretext", "text"]`` unless configured;
- each of ``fields`` has its ``title`` and ``value`` templated and ``short`` from the field,
  or ``short_fields`` when the field does not say;
- each of ``actions`` has every text templated (``confirm`` too);
- the request has ``channel``, ``username``, ``icon_emoji``, ``icon_url`` (left out when
  empty), ``link_names`` (when true) and the one attachment.

tocsin adds, for the Web API and for ``template: runbook``, URL buttons to the runbook, to
acknowledge and to silence (see :func:`tocsin_buttons`), and renders ``title`` and ``text``
with its runbook templates under ``template: runbook`` when the entry does not set them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tocsin.config.receivers import SlackConfig
from tocsin.templates import TemplateData, TemplateField, Templates

__all__ = [
    "MAX_ACTIONS",
    "MAX_TITLE_RUNES",
    "RUNBOOK_TEXTS",
    "SlackMessage",
    "tocsin_buttons",
    "truncate_runes",
]

MAX_TITLE_RUNES = 1024
"""Slack's limit for an attachment's title, which Alertmanager enforces."""

MAX_ACTIONS = 5
"""Slack shows at most five actions on an attachment; tocsin's buttons stop there."""

RUNBOOK_TEXTS = {
    "title": '{% include "runbook.slack.title" %}',
    "text": '{% include "runbook.slack.text" %}',
}
"""The texts ``template: runbook`` gives the fields the entry does not set."""

_TEXT_FIELDS = (
    "channel",
    "username",
    "icon_emoji",
    "icon_url",
    "title",
    "title_link",
    "pretext",
    "text",
    "fallback",
    "callback_id",
    "image_url",
    "thumb_url",
    "footer",
    "color",
)
_ACTION_TEXTS = ("type", "text", "url", "style", "name", "value")
_CONFIRM_TEXTS = ("text", "title", "ok_text", "dismiss_text")


def truncate_runes(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last being "…" when it was cut."""
    if len(text) <= limit:
        return text
    if limit <= 3:
        return text[:limit]
    return text[: limit - 1] + "…"


def tocsin_buttons(data: TemplateData, *, resolved: bool) -> list[dict[str, str]]:
    """URL buttons for what the data links to: the runbook, acknowledging and silencing
    (the last two only while something fires)."""
    buttons = []
    runbook = str(data.get("runbook_url", ""))
    if runbook:
        buttons.append({"type": "button", "text": "Runbook", "url": runbook})
    if not resolved:
        ack = str(data.get("ack_url", ""))
        if ack:
            buttons.append(
                {"type": "button", "text": "Acknowledge", "url": ack, "style": "primary"}
            )
        silence = str(data.get("silence_url", ""))
        if silence:
            buttons.append({"type": "button", "text": "Silence", "url": silence})
    return buttons


def _omit_empty(items: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in items.items() if v}


@dataclass(frozen=True, slots=True)
class _Field:
    title: TemplateField
    value: TemplateField
    short: bool


@dataclass(frozen=True, slots=True)
class _Action:
    texts: dict[str, TemplateField]
    confirm: dict[str, TemplateField] | None


class SlackMessage:
    """The compiled templates of one ``slack_configs`` entry and the bodies they make.

    ``where(name)`` tells where a field is written ("file:line:col"), for template warnings;
    ``buttons`` adds tocsin's URL buttons to every attachment.
    """

    def __init__(
        self,
        config: SlackConfig,
        templates: Templates,
        *,
        where: Callable[[str], str] = lambda field: "",
        buttons: bool = False,
    ) -> None:
        self._templates = templates
        self._config = config
        self.buttons = buttons or config.template == "runbook"
        texts = {name: getattr(config, name) for name in _TEXT_FIELDS}
        if config.template == "runbook":
            for name, text in RUNBOOK_TEXTS.items():
                if name not in config.model_fields_set:
                    texts[name] = text

        def field(text: str, name: str, default: str = "") -> TemplateField:
            return templates.field(text, default=default, source=where(name))

        self._texts = {name: field(text, name, _default_text(name)) for name, text in texts.items()}
        self._fields = [
            _Field(
                field(item.title, f"fields[{i}].title"),
                field(item.value, f"fields[{i}].value"),
                config.short_fields if item.short is None else item.short,
            )
            for i, item in enumerate(config.fields)
        ]
        self._actions = []
        for i, action in enumerate(config.actions):
            confirm = None
            if action.confirm is not None:
                confirm = {
                    name: field(getattr(action.confirm, name), f"actions[{i}].confirm.{name}")
                    for name in _CONFIRM_TEXTS
                }
            compiled = {
                name: field(getattr(action, name), f"actions[{i}].{name}") for name in _ACTION_TEXTS
            }
            self._actions.append(_Action(compiled, confirm))

    def render(self, name: str, data: TemplateData) -> str:
        """The text of the top-level field ``name`` (``channel``, ``title``, …)."""
        return self._templates.render(self._texts[name], data)

    def attachment(self, data: TemplateData, *, resolved: bool) -> dict[str, Any]:
        """The attachment, in Alertmanager's key order (Go's ``omitempty`` applied)."""
        text = self.render
        attachment: dict[str, Any] = {
            "title": truncate_runes(text("title", data), MAX_TITLE_RUNES),
            "title_link": text("title_link", data),
            "pretext": text("pretext", data),
        }
        attachment = _omit_empty(attachment)
        attachment["text"] = text("text", data)
        attachment["fallback"] = text("fallback", data)
        attachment["callback_id"] = text("callback_id", data)
        if self._fields:
            attachment["fields"] = [self._field(f, data) for f in self._fields]
        actions = [self._action(a, data) for a in self._actions]
        if self.buttons:
            seen = {a.get("url") for a in actions}
            for button in tocsin_buttons(data, resolved=resolved):
                if len(actions) < MAX_ACTIONS and button["url"] not in seen:
                    actions.append(button)
        if actions:
            attachment["actions"] = actions
        attachment.update(
            _omit_empty(
                {"image_url": text("image_url", data), "thumb_url": text("thumb_url", data)}
            )
        )
        attachment["footer"] = text("footer", data)
        attachment.update(_omit_empty({"color": text("color", data)}))
        attachment["mrkdwn_in"] = list(self._config.mrkdwn_in) or ["fallback", "pretext", "text"]
        return attachment

    def webhook_request(self, data: TemplateData, channel: str) -> dict[str, Any]:
        """The incoming webhook's request: Alertmanager's, key for key."""
        request = _omit_empty(
            {
                "channel": channel,
                "username": self.render("username", data),
                "icon_emoji": self.render("icon_emoji", data),
                "icon_url": self.render("icon_url", data),
                "link_names": self._config.link_names,
            }
        )
        request["attachments"] = [self.attachment(data, resolved=data["status"] == "resolved")]
        return request

    def post_message(
        self, data: TemplateData, channel: str, *, resolved: bool, thread_ts: str = ""
    ) -> dict[str, Any]:
        """A ``chat.postMessage`` request: the webhook's, with ``text`` (the fallback) and,
        for a reply, ``thread_ts``."""
        attachment = self.attachment(data, resolved=resolved)
        request = _omit_empty(
            {
                "channel": channel,
                "thread_ts": thread_ts,
                "username": self.render("username", data),
                "icon_emoji": self.render("icon_emoji", data),
                "icon_url": self.render("icon_url", data),
                "link_names": self._config.link_names,
            }
        )
        request["text"] = attachment["fallback"]
        request["attachments"] = [attachment]
        return request

    def update_message(self, data: TemplateData, channel: str, ts: str) -> dict[str, Any]:
        """A ``chat.update`` request that rewrites a thread's parent as resolved."""
        attachment = self.attachment(data, resolved=True)
        request: dict[str, Any] = {"channel": channel, "ts": ts, "text": attachment["fallback"]}
        if self._config.link_names:
            request["link_names"] = True
        request["attachments"] = [attachment]
        return request

    def _field(self, field: _Field, data: TemplateData) -> dict[str, Any]:
        rendered = _omit_empty(
            {
                "title": self._templates.render(field.title, data),
                "value": self._templates.render(field.value, data),
            }
        )
        rendered["short"] = field.short
        return rendered

    def _action(self, action: _Action, data: TemplateData) -> dict[str, Any]:
        rendered = _omit_empty(
            {name: self._templates.render(f, data) for name, f in action.texts.items()}
        )
        if action.confirm is not None:
            rendered["confirm"] = _omit_empty(
                {name: self._templates.render(f, data) for name, f in action.confirm.items()}
            )
        return rendered


def _default_text(name: str) -> str:
    """Alertmanager's text for a top-level field, what a failing template falls back to."""
    info = SlackConfig.model_fields.get(name)
    default = info.default if info is not None else ""
    return default if isinstance(default, str) else ""
