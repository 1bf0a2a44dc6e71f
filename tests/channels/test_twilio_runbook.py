"""The default Twilio texts are tocsin's runbook templates: one SMS line with the
severity, what fires, the runbook link and what a rate limit held back; a sentence to be
spoken, without links."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from tests.channels.local_servers import forbid_non_local
from tests.support.fakes.twilio import FakeTwilio

from tocsin.channels import Message, Summary
from tocsin.channels.twilio import TwilioChannel
from tocsin.config import load_config_text
from tocsin.config.receivers import TwilioConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
TO = "+14155550199"
RUNBOOK = "https://runbooks.example/disk"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.close()


def _message(text: str = "disk almost full", runbook: str = RUNBOOK, **extra: Any) -> Message:
    alerts = []
    for instance in ("db-1", "db-2"):
        labels = {"alertname": "DiskFull", "service": "db", "instance": instance}
        annotations = {"summary": text, "runbook_url": runbook}
        alerts.append(
            Alert(fingerprint(labels), labels, annotations, NOW - 600, NOW + 300, NOW - 1)
        )
    return Message(
        receiver="phones",
        status="firing",
        group_key='{}:{alertname="DiskFull"}',
        group_labels={"alertname": "DiskFull"},
        alerts=alerts,
        now=NOW,
        extra={"severity": "P0", **extra},
    )


def _send(twilio: FakeTwilio, message: Message, mode: str = "sms") -> None:
    config = (
        load_config_text(
            f"global: {twilio.global_yaml()}\nroute: {{receiver: phones}}\n"
            f'receivers: [{{name: phones, twilio_configs: [{{to: "{TO}", mode: {mode}}}]}}]\n'
        )
        .receivers[0]
        .twilio_configs[0]
    )
    assert isinstance(config, TwilioConfig)
    assert config.text == ""  # the default text

    async def main() -> None:
        channel = TwilioChannel(config, templates=Templates(), external_url="http://t:9093")
        try:
            await channel.send(TO, message, "k")
        finally:
            await channel.aclose()

    asyncio.run(main())


def test_the_default_sms_is_the_runbook_line(twilio: FakeTwilio) -> None:
    _send(twilio, _message())
    body = twilio.messages[0].body
    assert body.startswith("[P0 FIRING:2] DiskFull")
    assert RUNBOOK in body
    assert "\n" not in body


def test_the_default_sms_says_what_a_rate_limit_held_back(twilio: FakeTwilio) -> None:
    _send(twilio, _message(summary=Summary(notifications=4, alerts=37)))
    assert twilio.messages[0].body.endswith("(+37 more alerts)")


def test_a_long_default_sms_is_cut_to_twilios_limit(twilio: FakeTwilio) -> None:
    _send(twilio, _message("very " * 500, runbook=""))
    body = twilio.messages[0].body
    assert len(body) == 1600
    assert body.endswith("very…")


def test_the_default_call_speaks_the_runbook_sentence_twice(twilio: FakeTwilio) -> None:
    _send(twilio, _message(summary=Summary(notifications=1, alerts=3)), mode="voice")
    (call,) = twilio.calls
    first, second = call.said
    assert first == second
    assert "DiskFull" in first
    assert "3 more alerts" in first
    assert "https://" not in first  # links are not read out
