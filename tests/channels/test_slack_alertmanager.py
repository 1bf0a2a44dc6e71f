"""tocsin's Slack webhook request is byte for byte the one Alertmanager 0.25 sends for the
same configuration and alerts: its default texts, Go templates in every field, fields,
actions, firing and resolved. The reference Alertmanager posts to the fake Slack."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from tests.support.alertmanager import running_alertmanager
from tests.support.fakes.slack import FakeSlack, SlackMessage

from tocsin.channels import Message
from tocsin.channels.slack import SlackChannel
from tocsin.config import load_config_text
from tocsin.config.receivers import SlackConfig
from tocsin.model import Alert, fingerprint
from tocsin.model.times import parse_time
from tocsin.templates import Templates

pytestmark = [pytest.mark.external, pytest.mark.realtime]

EXTERNAL = "http://am.example:9093"
RECEIVER = "slack & co"

CONFIG = """
route:
  receiver: {receiver!r}
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
receivers:
  - name: {receiver!r}
    slack_configs:
      - api_url: '{defaults_hook}'
        channel: '#alerts'
        send_resolved: true
      - api_url: '{custom_hook}'
        channel: '#ops'
        send_resolved: true
        username: 'am <{{{{ .Receiver }}}}>'
        icon_url: 'http://icons.invalid/{{{{ .Status }}}}.png'
        link_names: true
        title: '{{{{ .CommonLabels.alertname }}}} & {{{{ len .Alerts.Firing }}}} firing'
        title_link: '{{{{ .ExternalURL }}}}/#/alerts'
        pretext: '{{{{ .CommonAnnotations.summary }}}}'
        text: >-
          {{{{ range .Alerts }}}}{{{{ .Labels.instance }}}}: {{{{ .Annotations.summary }}}}
          ({{{{ .Status }}}}){{{{ end }}}}
        footer: 'group {{{{ .GroupLabels.alertname }}}}'
        callback_id: 'cb'
        image_url: 'http://img.invalid/i.png'
        thumb_url: 'http://img.invalid/t.png'
        mrkdwn_in: [text]
        short_fields: true
        fields:
          - title: Severity
            value: '{{{{ .CommonLabels.severity }}}}'
          - title: Instances
            value: '{{{{ range .Alerts }}}}{{{{ .Labels.instance }}}} {{{{ end }}}}'
            short: false
        actions:
          - type: button
            text: 'Runbook'
            url: '{{{{ (index .Alerts 0).Annotations.runbook_url }}}}'
            style: danger
          - type: button
            text: Ack
            name: ack
            value: '{{{{ .Status }}}}'
            confirm:
              text: 'Really <ack>?'
              ok_text: 'Yes'
"""

START = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
POSTED: list[dict[str, Any]] = [
    {
        "labels": {
            "alertname": "Disk",
            "instance": instance,
            "job": "node",
            "severity": "critical",
        },
        "annotations": {"summary": "disk full", "runbook_url": "http://runbooks.invalid/disk"},
        "startsAt": START,
        "generatorURL": "http://prometheus.invalid/graph",
    }
    for instance in ("b:9100", "a:9100")
]


@pytest.fixture(scope="module")
def exchange() -> Iterator[tuple[FakeSlack, str, list[SlackMessage]]]:
    """What Alertmanager posted: two firing requests, then two resolved ones."""
    with FakeSlack() as slack:
        config = CONFIG.format(
            receiver=RECEIVER,
            defaults_hook=slack.webhook_url("alerts"),
            custom_hook=slack.webhook_url("ops"),
        )
        with running_alertmanager(config, (f"--web.external-url={EXTERNAL}",)) as am:
            assert httpx.post(f"{am.url}/api/v2/alerts", json=POSTED).status_code == 200
            slack.wait_for_messages(2, timeout=20)
            ended = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 1))
            resolved = [{**a, "endsAt": ended} for a in POSTED]
            assert httpx.post(f"{am.url}/api/v2/alerts", json=resolved).status_code == 200
            messages = slack.wait_for_messages(4, timeout=20)
        yield slack, config, messages


def _message(status: str) -> Message:
    now = time.time()
    alerts = []
    for item in POSTED:  # b before a: the channel orders them as Alertmanager does
        labels = item["labels"]
        starts = parse_time(item["startsAt"])
        assert starts is not None
        ends = now + 300 if status == "firing" else now - 1
        alerts.append(
            Alert(
                fingerprint(labels),
                labels,
                item["annotations"],
                starts,
                ends,
                now,
                item["generatorURL"],
            )
        )
    return Message(RECEIVER, status, '{}:{alertname="Disk"}', {"alertname": "Disk"}, alerts, now)


def _ours(config_text: str, index: int, status: str) -> bytes:
    item = load_config_text(config_text).receivers[0].slack_configs[index]
    assert isinstance(item, SlackConfig)
    templates = Templates()
    channel = SlackChannel(item, templates=templates, external_url=EXTERNAL)
    assert templates.warnings == []
    return channel.webhook_body(_message(status))


@pytest.mark.parametrize(("index", "channel"), [(0, "alerts"), (1, "ops")])
@pytest.mark.parametrize("status", ["firing", "resolved"])
def test_requests_equal_alertmanagers(
    exchange: tuple[FakeSlack, str, list[SlackMessage]], index: int, channel: str, status: str
) -> None:
    slack, config, messages = exchange
    channel_id = slack.channel_id(channel)
    theirs = [m for m in messages if m.channel == channel_id]
    assert len(theirs) == 2
    sent = theirs[0] if status == "firing" else theirs[1]
    request = next(r for r in slack.requests if r.body and sent.request == orjson.loads(r.body))
    assert _ours(config, index, status).decode() == request.body.decode()
