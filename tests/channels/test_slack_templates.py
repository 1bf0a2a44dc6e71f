"""The Slack channel's texts: Alertmanager's defaults, tocsin's runbook texts under
``template: runbook``, and the package's public surface."""

from __future__ import annotations

import orjson

import tocsin.channels.slack as slack_package
from tocsin.channels import Message
from tocsin.channels.slack import RUNBOOK_TEXTS, SlackChannel
from tocsin.config import load_config_text
from tocsin.config.receivers import SlackConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"


def _alert(instance: str) -> Alert:
    labels = {"alertname": "Disk", "instance": instance, "severity": "critical"}
    annotations = {"summary": "disk full", "runbook_url": "http://runbooks.invalid/disk"}
    return Alert(fingerprint(labels), labels, annotations, NOW - 600, NOW + 300, NOW - 1)


MESSAGE = Message(
    "team-x",
    "firing",
    '{}:{alertname="Disk"}',
    {"alertname": "Disk"},
    [_alert("b"), _alert("a")],
    NOW,
    extra={"ack_url": f"{EXTERNAL}/ack/t0k"},
)


def _config(body: str) -> SlackConfig:
    text = f"""
route: {{receiver: team-x}}
receivers:
  - name: team-x
    slack_configs:
      - api_url: http://127.0.0.1:9/services/T1/B1/x
{body}
"""
    item = load_config_text(text).receivers[0].slack_configs[0]
    assert isinstance(item, SlackConfig)
    return item


def _request(config: SlackConfig, templates: Templates | None = None) -> dict[str, object]:
    channel = SlackChannel(config, templates=templates or Templates(), external_url=EXTERNAL)
    parsed = orjson.loads(channel.webhook_body(MESSAGE))
    assert isinstance(parsed, dict)
    return parsed


def test_alertmanagers_default_texts_render_as_alertmanager_does() -> None:
    request = _request(_config("        channel: '#alerts'"))
    link = f"{EXTERNAL}/#/alerts?receiver=team-x"
    assert request == {
        "channel": "#alerts",
        "username": "Alertmanager",
        "attachments": [
            {
                "title": "[FIRING:2] Disk (critical)",
                "title_link": link,
                "text": "",
                "fallback": f"[FIRING:2] Disk (critical) | {link}",
                "callback_id": "",
                "footer": "",
                "color": "danger",
                "mrkdwn_in": ["fallback", "pretext", "text"],
            }
        ],
    }


def test_runbook_texts_replace_the_titles_and_texts_not_set() -> None:
    templates = Templates()
    request = _request(_config("        template: runbook"), templates)
    (attachment,) = request["attachments"]  # type: ignore[misc]
    data = SlackChannel(
        _config("        template: runbook"), templates=templates, external_url=EXTERNAL
    ).data(MESSAGE)
    for name, text in RUNBOOK_TEXTS.items():
        assert attachment[name] == templates.render(templates.field(text), data)
    assert attachment["title"]
    assert [a["text"] for a in attachment["actions"]] == ["Runbook", "Acknowledge", "Silence"]


def test_runbook_keeps_what_the_entry_sets() -> None:
    request = _request(_config("        template: runbook\n        title: mine"))
    (attachment,) = request["attachments"]  # type: ignore[misc]
    assert attachment["title"] == "mine"


def test_without_runbook_the_webhook_has_no_buttons() -> None:
    request = _request(_config("        channel: '#alerts'"))
    (attachment,) = request["attachments"]  # type: ignore[misc]
    assert "actions" not in attachment


def test_the_package_surface_is_pinned() -> None:
    assert sorted(slack_package.__all__) == [
        "ClientFactory",
        "DEFAULT_WEB_API_URL",
        "GONE_ERRORS",
        "MAX_ACTIONS",
        "MAX_TITLE_RUNES",
        "RETRYABLE_ERRORS",
        "RUNBOOK_TEXTS",
        "SlackAPIError",
        "SlackChannel",
        "SlackMessage",
        "go_json",
        "slack_target",
        "tocsin_buttons",
        "truncate_runes",
    ]
