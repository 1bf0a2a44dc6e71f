"""tocsin's webhook payload equals the one Alertmanager 0.25 sends for the same group."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.support.alertmanager import running_alertmanager

from tocsin.channels.webhook import webhook_payload
from tocsin.model import Alert, fingerprint
from tocsin.model.times import parse_time

pytestmark = [pytest.mark.external, pytest.mark.realtime]

CONFIG = """
route:
  receiver: ops.team+1
  group_by: [alertname]
  group_wait: 2s
  group_interval: 1h
receivers:
  - name: ops.team+1
    webhook_configs:
      - url: http://127.0.0.1:{port}/
        max_alerts: 4
"""

# A start time of now: Alertmanager skips group_wait for a group whose first alert
# started longer than group_wait ago, and would then flush while the batch is still
# being inserted, sending only part of it.
START = time.strftime("%Y-%m-%dT%H:%M:%S.123Z", time.gmtime())
POSTED: list[dict[str, Any]] = [
    {"labels": {"alertname": "A", "job": "node", "instance": "b:1"}},
    {"labels": {"alertname": "A", "job": "node", "instance": "a:1", "extra": "x"}},
    {"labels": {"alertname": "A", "job": "api"}},
    {"labels": {"alertname": "A", "instance": "z:9"}},
    {"labels": {"alertname": "A", "zone": "b"}},
    {"labels": {"alertname": "A", "zone": "a", "more": "1"}},
    {"labels": {"alertname": "A", "aaa": "1"}},
    {"labels": {"alertname": "B", "job": "x"}, "annotations": {"summary": "same"}},
    {"labels": {"alertname": "B", "job": "y"}, "annotations": {"summary": "same", "d": "1"}},
]
for item in POSTED:
    item.setdefault("annotations", {"summary": "s", "only": item["labels"].get("zone", "-")})
    item["startsAt"] = START
    item["generatorURL"] = "http://prometheus.invalid/graph"


def _alerts_of(name: str, now: float) -> list[Alert]:
    out = []
    for item in POSTED:
        labels = item["labels"]
        if labels["alertname"] != name:
            continue
        starts = parse_time(START)
        assert starts is not None
        out.append(
            Alert(
                fingerprint(labels),
                labels,
                item["annotations"],
                starts,
                now + 300,
                now,
                item["generatorURL"],
            )
        )
    return list(reversed(out))  # the builder must order them itself


def test_payloads_equal_alertmanagers(sink: tuple[int, list[dict[str, Any]]]) -> None:
    port, received = sink
    with running_alertmanager(CONFIG.format(port=port)) as am:
        resp = httpx.post(f"{am.url}/api/v2/alerts", json=POSTED)
        assert resp.status_code == 200
        deadline = time.monotonic() + 15
        while len(received) < 2:
            assert time.monotonic() < deadline, received
            time.sleep(0.05)
    now = time.time()
    for theirs in received:
        name = theirs["groupLabels"]["alertname"]
        ours = webhook_payload(
            receiver="ops.team+1",
            group_key=theirs["groupKey"],
            group_labels={"alertname": name},
            alerts=_alerts_of(name, now),
            now=now,
            external_url=theirs["externalURL"],
            max_alerts=4,
        )
        assert ours == theirs
