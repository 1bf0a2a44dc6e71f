"""PagerDuty events with Alertmanager's default texts and tocsin's runbook texts (they need
the named default templates)."""

from __future__ import annotations

from typing import Any

from tests.channels.test_pagerduty_channel import EXTERNAL, _config, _message
from tests.support.fakes.pagerduty import ROUTING_KEY

from tocsin.channels.pagerduty import PagerdutyChannel
from tocsin.templates import Templates


def _event(item: str, **extra: Any) -> dict[str, object]:
    channel = PagerdutyChannel(_config(item), templates=Templates(), external_url=EXTERNAL)
    return channel.event(ROUTING_KEY, _message(**extra))


def test_the_default_texts_render_as_alertmanagers() -> None:
    event = _event(f"{{routing_key: {ROUTING_KEY}}}")
    assert event["client"] == "Alertmanager"
    assert event["client_url"] == f"{EXTERNAL}/#/alerts?receiver=pager"
    payload = event["payload"]
    assert isinstance(payload, dict)
    assert payload["summary"] == "[FIRING:1] Disk (critical)"
    assert payload["source"] == "Alertmanager"
    assert payload["severity"] == "error"
    details = payload["custom_details"]
    assert details["num_firing"] == "1"
    assert details["num_resolved"] == "1"
    assert details["firing"] == (
        "Labels:\n - alertname = Disk\n - instance = a\n - severity = critical\n"
        "Annotations:\n - summary = s\nSource: \n"
    )


def test_runbook_renders_tocsins_summary_unless_the_config_sets_one() -> None:
    event = _event(f"{{routing_key: {ROUTING_KEY}, template: runbook}}", severity="P0")
    payload = event["payload"]
    assert isinstance(payload, dict)
    assert payload["summary"].strip()
    assert payload["severity"] == "critical"
    own = _event(f"{{routing_key: {ROUTING_KEY}, template: runbook, description: mine}}")
    assert own["payload"]["summary"] == "mine"  # type: ignore[index]
