"""Group keys are byte-identical to Alertmanager's: read from its webhook payloads."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.support.alertmanager import running_alertmanager

from tocsin.config import load_config_text
from tocsin.pipeline import build_routes, group_key, group_labels

pytestmark = [pytest.mark.external, pytest.mark.realtime]

CONFIG = """
route:
  receiver: sink
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 1h
  routes:
    - matchers: ['team="db"', 'env=~"prod|stage"']
      group_by: ['...']
      continue: true
    - matchers: ['severity!="info"']
      routes:
        - match: {{zone: "eu \\"west\\""}}
          group_by: [zone]
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:{port}/
"""

ALERTS = [
    {"alertname": "Disk", "service": "api", "severity": "info"},
    {"alertname": "Disk", "team": "db", "env": "prod", "severity": "info", "x": 'q"uote'},
    {"alertname": "CPU", "severity": "critical", "zone": 'eu "west"', "service": "ünï"},
    {"alertname": "Mem", "severity": "warning", "service": "tab\there\\slash"},
    {"alertname": "Net", "severity": "critical", "zone": "other"},
]


def _our_keys(config_text: str) -> set[str]:
    config = load_config_text(config_text)
    root = build_routes(config.route)

    def options(route: Any, inherited: tuple[list[str], bool]) -> dict[int, tuple[list[str], bool]]:
        own = (list(route.group_by), route.group_by_all) if route.group_by else inherited
        found = {id(route): own}
        for child in route.routes:
            found.update(options(child, own))
        return found

    by_route = options(config.route, ([], False))
    nodes = {}

    def walk(node: Any, route: Any) -> None:
        nodes[id(node)] = by_route[id(route)]
        for child_node, child_route in zip(node.children, route.routes, strict=True):
            walk(child_node, child_route)

    walk(root, config.route)
    keys = set()
    for labels in ALERTS:
        for node in root.match(labels):
            group_by, everything = nodes[id(node)]
            keys.add(group_key(node.key, group_labels(labels, group_by, everything)))
    return keys


def test_group_keys_match_alertmanager(sink: tuple[int, list[dict[str, Any]]]) -> None:
    port, received = sink
    config_text = CONFIG.format(port=port)
    expected = _our_keys(config_text)
    with running_alertmanager(config_text) as am:
        resp = httpx.post(f"{am.url}/api/v2/alerts", json=[{"labels": a} for a in ALERTS])
        assert resp.status_code == 200
        deadline = time.monotonic() + 15
        while len({r["groupKey"] for r in received}) < len(expected):
            assert time.monotonic() < deadline, (received, expected)
            time.sleep(0.05)
    assert {r["groupKey"] for r in received} == expected
