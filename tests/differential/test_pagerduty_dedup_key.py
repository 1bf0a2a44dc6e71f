"""PagerDuty events are Alertmanager's: the real Alertmanager 0.25 sends its events to the
fake PagerDuty, and for every group the event tocsin's channel builds (dedup key first of
all: it is what keeps one PagerDuty incident per group) is the same, on trigger and on
resolve.

tocsin's side is computed from tocsin's routing tree and group keys for the same config
and labels, passed through the channel's event builder. Text fields are plain text, which
Go templates and Jinja2 render alike.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from tests.support.alertmanager import running_alertmanager
from tests.support.fakes.pagerduty import ROUTING_KEY, FakePagerDuty

from tocsin.channels import Message
from tocsin.channels.pagerduty import PagerdutyChannel, dedup_key
from tocsin.config import load_config_text
from tocsin.model import Alert, fingerprint
from tocsin.pipeline import build_routes, group_key, group_labels
from tocsin.templates import Templates

pytestmark = [pytest.mark.external, pytest.mark.realtime]

CONFIG = """
route:
  receiver: pd
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['team="db"']
      group_by: [alertname, instance]
      continue: true
    - matchers: ['severity="critical"']
      group_by: ['...']
      routes:
        - matchers: ['zone=~"eu.*"']
          group_by: [zone]
    - matchers: ['team="web"']
      receiver: web
receivers:
  - name: pd
    pagerduty_configs:
      - routing_key: {key}
        url: {url}
        description: "disk & <trouble>"
        client: tocsin-diff
        client_url: http://tocsin.example/
        class: storage
        details: {{firing: f, resolved: r, num_firing: n, num_resolved: m}}
  - name: web
    pagerduty_configs:
      - routing_key: {key}
        url: {url}
        description: web trouble
        client: tocsin-diff
        client_url: http://tocsin.example/web
        severity: warning
        details: {{firing: f, resolved: r, num_firing: n, num_resolved: m}}
"""

ALERTS = [
    {"alertname": "Disk", "instance": "a"},
    {"alertname": "Disk", "instance": "b", "team": "db"},
    {"alertname": "Disk", "instance": "c", "team": "db"},
    {"alertname": "CPU", "severity": "critical", "instance": "a", "service": 'q"uote'},
    {"alertname": "CPU", "severity": "critical", "instance": "d"},
    {"alertname": "CPU", "severity": "critical", "zone": "eu-west", "instance": "b"},
    {"alertname": "CPU", "severity": "critical", "zone": "eu-north", "instance": "c"},
    {"alertname": "Latency", "team": "web", "instance": "ünï"},
    {"alertname": "Latency", "team": "web", "instance": "x"},
]


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty()
    yield fake
    fake.close()


def _groups(config_text: str) -> dict[str, tuple[str, list[dict[str, str]]]]:
    """tocsin's groups: group key → (receiver, the label sets of its alerts)."""
    config = load_config_text(config_text)
    root = build_routes(config.route)
    groups: dict[str, tuple[str, list[dict[str, str]]]] = {}
    for labels in ALERTS:
        for node in root.match(labels):
            key = group_key(node.key, group_labels(labels, node.group_by, node.group_by_all))
            groups.setdefault(key, (node.receiver, []))[1].append(labels)
    return groups


def _tocsin_events(config_text: str, now: float) -> dict[tuple[str, str], bytes]:
    """The request bodies tocsin's channel builds for each group, by (dedup key, action):
    a trigger, then a resolve."""
    config = load_config_text(config_text)
    receivers = {r.name: r for r in config.receivers}
    bodies = {}
    for key, (receiver, label_sets) in _groups(config_text).items():
        channel = PagerdutyChannel(
            receivers[receiver].pagerduty_configs[0],
            templates=Templates(),
            external_url="http://tocsin.example",
        )
        for ends, status in ((now + 3600, "firing"), (now - 1, "resolved")):
            alerts = [Alert(fingerprint(ls), ls, {}, now - 60, ends, now) for ls in label_sets]
            message = Message(receiver, status, key, {}, alerts, now)
            event, body = channel.encoded(ROUTING_KEY, message)
            bodies[(event["dedup_key"], event["event_action"])] = body
    return bodies


def _post(url: str, alerts: list[dict[str, Any]]) -> None:
    response = httpx.post(f"{url}/api/v2/alerts", json=alerts, trust_env=False)
    assert response.status_code == 200, response.text


def test_pagerduty_events_and_dedup_keys_match_alertmanager(pagerduty: FakePagerDuty) -> None:
    config_text = CONFIG.format(key=ROUTING_KEY, url=pagerduty.url)
    groups = _groups(config_text)
    assert len(groups) == 8  # root, db ×2 (continue), critical ×2 (by all), eu ×2, web
    expected = _tocsin_events(config_text, time.time())
    with running_alertmanager(config_text) as am:
        ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        _post(am.url, [{"labels": labels, "endsAt": ends} for labels in ALERTS])
        pagerduty.wait_for_events(len(groups), timeout=15)
        resolved = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        _post(am.url, [{"labels": labels, "endsAt": resolved} for labels in ALERTS])
        pagerduty.wait_for_events(2 * len(groups), timeout=15)
    by_action: dict[str, set[str]] = defaultdict(set)
    for event in pagerduty.events:
        by_action[event["event_action"]].add(event["dedup_key"])
    assert by_action["trigger"] == by_action["resolve"] == {dedup_key(k) for k in groups}
    assert len(pagerduty.events) == 2 * len(groups)  # one trigger and one resolve each
    received = {}
    for seen in pagerduty.requests:
        event = orjson.loads(seen.body)
        received[(event["dedup_key"], event["event_action"])] = seen.body
    # byte for byte: the same fields, order, escaping (of "&", "<", ">") and final newline
    assert {k: v.decode() for k, v in received.items()} == {
        k: v.decode() for k, v in expected.items()
    }
