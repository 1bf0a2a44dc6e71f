"""The Microsoft Teams channel posts Alertmanager 0.28's msteamsv2 Adaptive Card to a fake
Workflows webhook, for ``msteams_configs`` and ``msteamsv2_configs`` alike, and judges the
answer by tocsin's one policy. Every server is on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.channels.local_servers import LocalServer, Reply, forbid_non_local
from tests.support.fakes.msteams import SIGNATURE, FakeTeams
from tests.support.ports import free_port

from tocsin import __version__
from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.channels.msteams import MSTeamsChannel, msteams_target
from tocsin.config import load_config_text
from tocsin.config.receivers import MSTeamsConfig, MSTeamsV2Config
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"
TITLE = "'{{ status | upper }}: {{ groupLabels.alertname }}'"
TEXT = "'{% for a in alerts %}{{ a.labels.instance }} {{ a.status }};{% endfor %}'"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    fake = FakeTeams()
    yield fake
    fake.close()


def _alert(ends: float, annotations: dict[str, str] | None = None, **labels: str) -> Alert:
    return Alert(fingerprint(labels), labels, annotations or {}, NOW - 600, ends, NOW - 1)


def _message(*, resolved: bool = False, runbook: str = "", **extra: Any) -> Message:
    notes = {"runbook_url": runbook} if runbook else {}
    return Message(
        receiver="chat",
        status="resolved" if resolved else "firing",
        group_key='{}:{alertname="Disk"}',
        group_labels={"alertname": "Disk"},
        alerts=[
            _alert(NOW - 5 if resolved else NOW + 300, notes, alertname="Disk", instance="a"),
            _alert(NOW - 5, notes, alertname="Disk", instance="b"),
        ],
        now=NOW,
        extra=extra,
    )


def _configs(url: str, more: str = "", *, kinds: tuple[str, ...] = ("v1", "v2")) -> list[Any]:
    """The same item as ``msteams_configs`` (v1) and ``msteamsv2_configs`` (v2), as asked."""
    item = f"{{webhook_url: '{url}', title: {TITLE}, text: {TEXT}{more}}}"
    names = {"v1": "msteams_configs", "v2": "msteamsv2_configs"}
    lines = "".join(f"    {names[k]}: [{item}]\n" for k in kinds)
    text = f"route: {{receiver: chat}}\nreceivers:\n  - name: chat\n{lines}"
    receiver = load_config_text(text).receivers[0]
    return [getattr(receiver, names[k])[0] for k in kinds]


def _channel(config: MSTeamsConfig | MSTeamsV2Config, **options: Any) -> MSTeamsChannel:
    return MSTeamsChannel(config, templates=Templates(), external_url=EXTERNAL, **options)


def _send(
    config: MSTeamsConfig | MSTeamsV2Config,
    message: Message | None = None,
    *,
    target: str | None = None,
    **options: Any,
) -> SendResult:
    async def main() -> SendResult:
        channel = _channel(config, **options)
        try:
            url = msteams_target(config) if target is None else target
            return await channel.send(url, message or _message(), "flush-1")
        finally:
            await channel.aclose()

    return asyncio.run(main())


def _fail(config: MSTeamsConfig | MSTeamsV2Config, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(config, **options)
    return caught.value


def _alertmanagers_card(title: str, text: str, color: str) -> dict[str, Any]:
    """What Alertmanager 0.28's msteamsv2 notifier posts for a title and a text."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": title,
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                            "style": "heading",
                            "color": color,
                        },
                        {"type": "TextBlock", "text": text, "wrap": True},
                    ],
                    "msteams": {"width": "full"},
                },
            }
        ],
    }


@pytest.mark.parametrize("kind", ["v1", "v2"])
def test_a_firing_group_posts_alertmanagers_adaptive_card(teams: FakeTeams, kind: str) -> None:
    more = ", summary: ''" if kind == "v1" else ""  # no summary: no fallback text
    (config,) = _configs(teams.webhook_url, more, kinds=(kind,))
    result = _send(config)
    (seen,) = teams.requests
    assert seen.method == "POST"
    assert seen.path.startswith("/workflows/")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"] == f"tocsin/{__version__}"
    sent = orjson.loads(seen.body)
    assert sent == _alertmanagers_card("FIRING: Disk", "a firing;b resolved;", "Attention")
    assert result == SendResult(status=202)
    assert teams.messages == [orjson.loads(seen.body)]


def test_a_resolved_group_is_green(teams: FakeTeams) -> None:
    (config,) = _configs(teams.webhook_url, kinds=("v2",))
    _send(config, _message(resolved=True))
    assert orjson.loads(teams.requests[0].body) == _alertmanagers_card(
        "RESOLVED: Disk", "a resolved;b resolved;", "Good"
    )


def test_msteams_configs_summary_is_the_cards_fallback_text(teams: FakeTeams) -> None:
    (config,) = _configs(
        teams.webhook_url, ", summary: '{{ alerts.firing | length }} firing'", kinds=("v1",)
    )
    _send(config)
    assert teams.cards[0]["fallbackText"] == "1 firing"
    assert list(teams.cards[0]) == [
        "$schema",
        "type",
        "version",
        "body",
        "fallbackText",
        "msteams",
    ]


def test_runbook_acknowledge_and_silence_links_are_buttons(teams: FakeTeams) -> None:
    (config,) = _configs(teams.webhook_url, kinds=("v2",))
    message = _message(
        runbook="https://wiki/disk",
        ack_url="https://tocsin/ack/t0k",
        silence_url="https://tocsin/#/silences/new?filter=x",
    )
    _send(config, message)
    assert teams.cards[0]["actions"] == [
        {"type": "Action.OpenUrl", "title": "Runbook", "url": "https://wiki/disk"},
        {"type": "Action.OpenUrl", "title": "Acknowledge", "url": "https://tocsin/ack/t0k"},
        {
            "type": "Action.OpenUrl",
            "title": "Silence",
            "url": "https://tocsin/#/silences/new?filter=x",
        },
    ]


def test_only_the_links_present_are_buttons() -> None:
    (config,) = _configs("https://example.test/x", kinds=("v2",))
    channel = _channel(config)
    content = channel.card(_message(runbook="https://wiki/disk"))["attachments"]
    assert content[0]["content"]["actions"] == [  # type: ignore[index]
        {"type": "Action.OpenUrl", "title": "Runbook", "url": "https://wiki/disk"}
    ]
    plain = channel.card(_message())["attachments"][0]["content"]  # type: ignore[index]
    assert "actions" not in plain


def test_runbook_keeps_the_texts_the_config_sets() -> None:
    (config,) = _configs("https://example.test/x", ", template: runbook", kinds=("v2",))
    card = _channel(config).card(_message())
    body = card["attachments"][0]["content"]["body"]  # type: ignore[index]
    assert [block["text"] for block in body] == ["FIRING: Disk", "a firing;b resolved;"]


def test_a_template_that_fails_renders_the_default_and_is_still_sent(teams: FakeTeams) -> None:
    (config,) = _configs(teams.webhook_url, kinds=("v2",))
    config = config.model_copy(update={"title": "{{ nothing.here }}"})
    _send(config)
    assert len(teams.messages) == 1


# --- targets --------------------------------------------------------------------------------


def test_the_target_is_the_webhook_url_or_the_url_file(tmp_path: Path) -> None:
    (tmp_path / "url").write_text("https://example.test/from-file\n")
    text = """
route: {receiver: chat}
receivers:
  - name: chat
    msteams_configs: [{webhook_url: 'https://example.test/inline'}]
    msteamsv2_configs: [{webhook_url_file: url}]
"""
    receiver = load_config_text(text, base_dir=tmp_path).receivers[0]
    assert msteams_target(receiver.msteams_configs[0]) == "https://example.test/inline"
    assert msteams_target(receiver.msteamsv2_configs[0]) == "https://example.test/from-file"


def test_display_shows_the_host_only() -> None:
    (config,) = _configs("https://x.webhook.office.com/w/S3CRET", kinds=("v2",))
    channel = _channel(config)
    assert channel.display("https://prod-12.westeurope.logic.azure.com/w/S3CRET?sig=x") == (
        "prod-12.westeurope.logic.azure.com"
    )
    assert channel.display("http://[::1") == "Microsoft Teams webhook"


# --- answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 202])
def test_workflows_success_answers_are_delivered(teams: FakeTeams, status: int) -> None:
    teams.fail_next(status, body=b"")
    (config,) = _configs(teams.webhook_url, kinds=("v2",))
    assert _send(config) == SendResult(status=status)


def test_a_2xx_whatever_its_body_is_delivered(teams: FakeTeams) -> None:
    teams.malformed_next()
    (config,) = _configs(teams.webhook_url, kinds=("v2",))
    assert _send(config).status == 200


def test_the_fake_refuses_what_is_not_an_adaptive_card_message(teams: FakeTeams) -> None:
    srv_url = teams.webhook_url

    async def post(body: bytes) -> int:
        async with httpx.AsyncClient(trust_env=False) as client:
            return (await client.post(srv_url, content=body)).status_code

    assert asyncio.run(post(b'{"type":"message","attachments":[]}')) == 400
    assert asyncio.run(post(b"not json")) == 400
    assert teams.messages == []


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (429, True), (400, False), (403, False), (404, False)],
)
def test_statuses_are_judged_by_the_one_policy(
    teams: FakeTeams, status: int, retryable: bool
) -> None:
    teams.fail_next(status, headers={"Retry-After": "4"})
    (config,) = _configs(teams.webhook_url, kinds=("v2",))
    error = _fail(config)
    assert (error.retryable, error.status) == (retryable, status)
    assert str(error).startswith(f"Microsoft Teams answered {status}")
    assert error.retry_after == (4.0 if status in (429, 503) else None)


def test_a_timeout_is_retryable(teams: FakeTeams) -> None:
    teams.hang_next()
    (config,) = _configs(teams.webhook_url, kinds=("v1",))
    error = _fail(config, timeout=0.2)
    assert error.retryable
    assert str(error).startswith("Microsoft Teams request failed: ReadTimeout")


def test_a_refused_connection_is_retryable_and_hides_the_url() -> None:
    port = free_port()
    (config,) = _configs(f"http://127.0.0.1:{port}/workflows/S3CRET?sig=x", kinds=("v2",))
    error = _fail(config)
    assert error.retryable
    assert str(error).startswith("Microsoft Teams request failed: ConnectError")
    assert "S3CRET" not in str(error)


def test_the_webhook_url_never_shows_in_an_error_even_when_echoed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    srv = LocalServer(lambda seen: Reply(400, f"bad request to {seen.path}".encode()))
    try:
        url = srv.url(f"/workflows/abc/invoke?api-version=1&sig={SIGNATURE}")
        (config,) = _configs(url, kinds=("v2",))
        error = _fail(config)
    finally:
        srv.close()
    assert str(error).startswith("Microsoft Teams answered 400: bad request to <secret>")
    assert SIGNATURE not in str(error)
    assert SIGNATURE not in caplog.text


def test_an_unusable_url_is_permanent() -> None:
    (config,) = _configs("https://example.test/x", kinds=("v2",))
    for url in ("", "ftp://127.0.0.1/x"):
        error = _fail(config, target=url)
        assert not error.retryable
