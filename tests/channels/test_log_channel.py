"""The log channel writes each notification on the server's output."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from tocsin.channels import LogChannel, Message
from tocsin.model import Alert, fingerprint

NOW = 1_800_000_000.0


def _alert(name: str, ends: float) -> Alert:
    labels = {"alertname": name, "service": "api"}
    return Alert(fingerprint(labels), labels, {"summary": f"{name} is bad"}, NOW - 60, ends, NOW)


MESSAGE = Message(
    receiver="console",
    status="firing",
    group_key='{}:{alertname="Disk"}',
    group_labels={"alertname": "Disk"},
    alerts=[_alert("Disk", NOW + 300), _alert("Old", NOW - 1)],
    now=NOW,
)


def test_text_format_has_a_header_and_a_line_per_alert(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tocsin.notify")
    asyncio.run(LogChannel().send("stdout", MESSAGE, "key-1"))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == (
        "[FIRING] receiver=console group={alertname=Disk} firing=1 resolved=1 key=key-1"
    )
    assert lines[1].startswith('  - firing {alertname="Disk", service="api"} since ')
    assert "summary='Disk is bad'" in lines[1]
    assert lines[2].startswith('  - resolved {alertname="Old", service="api"}')


def test_json_format_is_one_object_per_notification() -> None:
    (line,) = LogChannel("json").render("stdout", MESSAGE, "key-2")
    payload = json.loads(line)
    assert payload["receiver"] == "console"
    assert payload["idempotencyKey"] == "key-2"
    assert [a["status"] for a in payload["alerts"]] == ["firing", "resolved"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format"):
        LogChannel("xml")
