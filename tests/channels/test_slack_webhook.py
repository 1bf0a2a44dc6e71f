"""The Slack channel's incoming-webhook mode sends Alertmanager 0.25's request, byte for
byte, and judges Slack's answers. Every server is on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from tests.channels.local_servers import LocalServer, Reply, forbid_non_local
from tests.support.fakes.slack import FakeSlack
from tests.support.ports import free_port

from tocsin import __version__
from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.channels.render import message_data
from tocsin.channels.slack import SlackChannel, go_json, slack_target, truncate_runes
from tocsin.config import load_config_text
from tocsin.config.receivers import SlackConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"
SECRET_PATH = "/services/T0SECRET/B0SECRET/zzSecretWebhookPart"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _alert(ends: float, annotations: dict[str, str] | None = None, **labels: str) -> Alert:
    return Alert(
        fingerprint(labels),
        labels,
        annotations or {"summary": "disk full"},
        NOW - 600,
        ends,
        NOW - 1,
        "http://prometheus.invalid/graph",
    )


FIRING = Message(
    receiver="team-x",
    status="firing",
    group_key='{}:{alertname="Disk"}',
    group_labels={"alertname": "Disk"},
    alerts=[
        _alert(NOW + 300, alertname="Disk", instance="b", severity="critical"),
        _alert(NOW - 5, alertname="Disk", instance="a", severity="critical"),
    ],
    now=NOW,
)
RESOLVED = Message(
    receiver="team-x",
    status="resolved",
    group_key='{}:{alertname="Disk"}',
    group_labels={"alertname": "Disk"},
    alerts=[_alert(NOW - 5, alertname="Disk", instance="a")],
    now=NOW,
)

EVERY_FIELD = """
        channel: '#{{ groupLabels.alertname | lower }}'
        username: 'am <{{ receiver }}>'
        icon_emoji: ':fire:'
        icon_url: 'http://icons.invalid/{{ status }}.png'
        link_names: true
        color: '{{ "danger" if status == "firing" else "good" }}'
        title: '[{{ status | upper }}:{{ alerts.firing | length }}] {{ groupLabels.alertname }}'
        title_link: '{{ externalURL }}/#/alerts'
        pretext: 'pre & post'
        text: "{% for a in alerts %}{{ a.labels.instance }}: \\
          {{ a.annotations.summary }}\\n{% endfor %}"
        fallback: 'fallback {{ commonLabels.severity }}'
        callback_id: 'cb-{{ groupKey }}'
        footer: 'tocsin'
        image_url: 'http://img.invalid/i.png'
        thumb_url: 'http://img.invalid/t.png'
        mrkdwn_in: [text, title]
        short_fields: true
        fields:
          - title: Severity
            value: '{{ commonLabels.severity }}'
          - title: Count
            value: '{{ alerts | length }}'
            short: false
        actions:
          - type: button
            text: 'Runbook {{ groupLabels.alertname }}'
            url: 'http://runbooks.invalid/{{ groupLabels.alertname }}'
            style: primary
          - type: button
            text: Ack
            name: ack
            value: '{{ groupKey }}'
            confirm:
              text: 'Sure?'
              title: Really
              ok_text: 'Yes'
              dismiss_text: 'No'
"""

MINIMAL = """
        title: 't'
        text: 'x'
        username: ''
        color: ''
        title_link: ''
        pretext: ''
        fallback: ''
        callback_id: ''
        footer: ''
        icon_emoji: ''
        icon_url: ''
"""


def _config(api_url: str, body: str = MINIMAL, global_: str = "") -> SlackConfig:
    text = f"""
global:
  {global_ or "resolve_timeout: 5m"}
route:
  receiver: team-x
receivers:
  - name: team-x
    slack_configs:
      - api_url: '{api_url}'
{body}
"""
    config = load_config_text(text)
    item = config.receivers[0].slack_configs[0]
    assert isinstance(item, SlackConfig)
    return item


def _send(config: SlackConfig, message: Message = FIRING, **options: Any) -> SendResult:
    async def main() -> SendResult:
        channel = SlackChannel(config, templates=Templates(), external_url=EXTERNAL, **options)
        try:
            return await channel.send(slack_target(config), message, "key-1")
        finally:
            await channel.aclose()

    return asyncio.run(main())


def _fail(config: SlackConfig, message: Message = FIRING, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(config, message, **options)
    return caught.value


def _server(status: int, body: bytes, **headers: str) -> LocalServer:
    return LocalServer(lambda _seen: Reply(status, body, headers))


# --- the request ------------------------------------------------------------------------

EXPECTED_FIRING = (
    '{"channel":"#disk","username":"am \\u003cteam-x\\u003e","icon_emoji":":fire:",'
    '"icon_url":"http://icons.invalid/firing.png","link_names":true,"attachments":[{'
    '"title":"[FIRING:1] Disk","title_link":"http://tocsin.example:9093/#/alerts",'
    '"pretext":"pre \\u0026 post","text":"a: disk full\\nb: disk full\\n",'
    '"fallback":"fallback critical","callback_id":"cb-{}:{alertname=\\"Disk\\"}",'
    '"fields":[{"title":"Severity","value":"critical","short":true},'
    '{"title":"Count","value":"2","short":false}],'
    '"actions":[{"type":"button","text":"Runbook Disk","url":"http://runbooks.invalid/Disk",'
    '"style":"primary"},{"type":"button","text":"Ack","name":"ack",'
    '"value":"{}:{alertname=\\"Disk\\"}","confirm":{"text":"Sure?","title":"Really",'
    '"ok_text":"Yes","dismiss_text":"No"}}],'
    '"image_url":"http://img.invalid/i.png","thumb_url":"http://img.invalid/t.png",'
    '"footer":"tocsin","color":"danger","mrkdwn_in":["text","title"]}]}\n'
)


def test_it_posts_alertmanagers_request_byte_for_byte(slack: FakeSlack) -> None:
    url = slack.webhook_url()
    result = _send(_config(url, EVERY_FIELD))
    assert result.status == 200
    (seen,) = slack.requests
    assert seen.method == "POST"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"] == f"tocsin/{__version__}"
    assert seen.body.decode() == EXPECTED_FIRING
    (posted,) = slack.top_level("#alerts")  # the hook's own channel
    assert posted.via == "webhook"
    assert posted.attachments[0]["title"] == "[FIRING:1] Disk"


def test_resolved_request_has_the_resolved_rendering(slack: FakeSlack) -> None:
    _send(_config(slack.webhook_url(), EVERY_FIELD), RESOLVED)
    request = orjson.loads(slack.requests[0].body)
    (attachment,) = request["attachments"]
    assert attachment["title"] == "[RESOLVED:0] Disk"
    assert attachment["color"] == "good"
    assert request["icon_url"] == "http://icons.invalid/resolved.png"
    assert attachment["fields"] == [
        {"title": "Severity", "short": True},  # an empty value is left out, as Go does
        {"title": "Count", "value": "1", "short": False},
    ]


def test_empty_fields_are_left_out_and_the_mandatory_ones_kept(slack: FakeSlack) -> None:
    _send(_config(slack.webhook_url()))
    body = slack.requests[0].body.decode()
    assert body == (
        '{"attachments":[{"title":"t","text":"x","fallback":"","callback_id":"",'
        '"footer":"","mrkdwn_in":["fallback","pretext","text"]}]}\n'
    )


def test_short_fields_applies_to_fields_that_do_not_say(slack: FakeSlack) -> None:
    body = MINIMAL + "        fields: [{title: a, value: b}, {title: c, value: d, short: true}]\n"
    _send(_config(slack.webhook_url(), body))
    fields = orjson.loads(slack.requests[0].body)["attachments"][0]["fields"]
    assert fields == [
        {"title": "a", "value": "b", "short": False},
        {"title": "c", "value": "d", "short": True},
    ]


def test_long_titles_are_cut_to_1024_characters(slack: FakeSlack) -> None:
    body = MINIMAL.replace("title: 't'", "title: '{{ \"é\" * 2000 }}'")
    _send(_config(slack.webhook_url(), body))
    title = orjson.loads(slack.requests[0].body)["attachments"][0]["title"]
    assert title == "é" * 1023 + "…"
    assert truncate_runes("abcd", 3) == "abc"
    assert truncate_runes("abc", 3) == "abc"


def test_the_target_overrides_the_configured_channel(slack: FakeSlack) -> None:
    config = _config(slack.webhook_url(), MINIMAL + "        channel: '#alerts'\n")
    assert slack_target(config) == "#alerts"

    async def main() -> None:
        channel = SlackChannel(config, templates=Templates(), external_url=EXTERNAL)
        try:
            await channel.send("#ops", FIRING, "k")
            assert channel.display("#ops") == "#ops"
            assert "http" not in channel.display("")
        finally:
            await channel.aclose()

    asyncio.run(main())
    assert orjson.loads(slack.requests[0].body)["channel"] == "#ops"


def test_a_failing_template_falls_back_to_alertmanagers_text(slack: FakeSlack) -> None:
    templates = Templates()
    config = _config(slack.webhook_url(), MINIMAL.replace("title: 't'", "title: '{{ a.b.c }}'"))

    async def main() -> None:
        channel = SlackChannel(config, templates=templates, external_url=EXTERNAL)
        try:
            await channel.send("", FIRING, "k")
        finally:
            await channel.aclose()

    asyncio.run(main())
    default = templates.field(SlackConfig().title)
    expected = templates.render(default, message_data(FIRING, EXTERNAL))
    assert orjson.loads(slack.requests[0].body)["attachments"][0]["title"] == expected
    assert templates.warnings or templates.render_failures


def test_template_warnings_name_where_the_field_is_written(slack: FakeSlack) -> None:
    templates = Templates()
    config = _config(slack.webhook_url(), MINIMAL.replace("title: 't'", "title: '{% if %}'"))
    SlackChannel(
        config, templates=templates, external_url=EXTERNAL, where=lambda f: f"am.yml:9:{f}"
    )
    assert any(w.startswith("am.yml:9:title:") for w in templates.warnings)


def test_go_json_escapes_as_go_does() -> None:
    text = 'a<b>&c "q" \\ \n\r\t\x01\x08\x0c\u2028\u2029 é 😀 \x7f'
    assert go_json({"k": text, "b": False, "l": [True, None]}) == (
        b'{"k":"a\\u003cb\\u003e\\u0026c \\"q\\" \\\\ \\n\\r\\t\\u0001\\u0008\\u000c'
        b'\\u2028\\u2029 \xc3\xa9 \xf0\x9f\x98\x80 \x7f","b":false,"l":[true,null]}\n'
    )
    assert orjson.loads(go_json({"k": text}))["k"] == text


# --- the answer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (400, b"invalid_payload", False),
        (403, b"action_prohibited", False),
        (404, b"channel_not_found", False),
        (404, b"no_service", False),
        (410, b"channel_is_archived", False),
        (500, b"rollup_error", True),
        (502, b"", True),
        (503, b"", True),
        (429, b"rate_limited", True),
    ],
)
def test_webhook_errors_are_judged_by_status(status: int, body: bytes, retryable: bool) -> None:
    server = _server(status, body, **{"Content-Type": "text/html"})
    try:
        error = _fail(_config(server.url(SECRET_PATH), MINIMAL + "        channel: '#ops'\n"))
    finally:
        server.close()
    assert error.retryable is retryable
    assert error.status == status
    assert str(status) in str(error)
    assert body.decode() in str(error)
    assert "#ops" in str(error)
    assert "zzSecretWebhookPart" not in str(error)


def test_unknown_hook_is_permanent(slack: FakeSlack) -> None:
    error = _fail(_config(slack.base_url + "/services/T1/B1/unknown"))
    assert not error.retryable
    assert error.status == 404
    assert "no_service" in str(error)


def test_429_carries_retry_after() -> None:
    server = _server(429, b"rate_limited", **{"Retry-After": "17"})
    try:
        error = _fail(_config(server.url(SECRET_PATH)))
    finally:
        server.close()
    assert error.retryable
    assert error.retry_after == 17


@pytest.mark.parametrize(
    ("body", "retryable"),
    [
        (b'{"ok":false,"error":"channel_not_found"}', False),
        (b'{"ok":false,"error":"invalid_auth"}', False),
        (b'{"ok":false,"error":"internal_error"}', True),
    ],
)
def test_a_web_api_url_answering_ok_false_fails(body: bytes, retryable: bool) -> None:
    server = _server(200, body, **{"Content-Type": "application/json"})
    try:
        error = _fail(_config(server.url("/api/chat.postMessage")))
    finally:
        server.close()
    assert error.retryable is retryable
    assert orjson.loads(body)["error"] in str(error)


@pytest.mark.parametrize(
    "body", [b"ok", b"", b'{"ok":true,"ts":"1.2"}', b'{"success":true}', b"{not json"]
)
def test_other_2xx_answers_are_deliveries(body: bytes) -> None:
    server = _server(200, body)
    try:
        assert _send(_config(server.url("/hook"))).status == 200
    finally:
        server.close()


def test_a_hanging_webhook_times_out_as_retryable(slack: FakeSlack) -> None:
    url = slack.webhook_url()
    slack.hang_next()
    started = time.monotonic()
    error = _fail(_config(url), timeout=0.3)
    assert time.monotonic() - started < 5
    assert error.retryable
    assert "T0000TEAM" not in str(error)
    assert "B000HOOK1" not in str(error)


def test_a_refused_connection_is_retryable() -> None:
    port = free_port()
    error = _fail(_config(f"http://127.0.0.1:{port}{SECRET_PATH}"))
    assert error.retryable
    assert "zzSecretWebhookPart" not in str(error)


def test_the_global_webhook_url_is_used() -> None:
    server = _server(200, b"ok")
    try:
        text = f"""
global:
  slack_api_url: '{server.url("/global/hook")}'
route:
  receiver: r
receivers:
  - name: r
    slack_configs: [{{channel: '#x', title: t, text: x}}]
"""
        config = load_config_text(text).receivers[0].slack_configs[0]
        assert isinstance(config, SlackConfig)
        _send(config)
        assert server.seen[0].path == "/global/hook"
    finally:
        server.close()


def test_http_config_authorization_is_sent(slack: FakeSlack) -> None:
    body = MINIMAL + "        http_config: {authorization: {credentials: s3cr3t-cred}}\n"
    _send(_config(slack.webhook_url(), body))
    assert slack.requests[0].headers["authorization"] == "Bearer s3cr3t-cred"


def test_a_config_without_url_or_token_is_refused() -> None:
    with pytest.raises(ValueError, match="neither api_url nor bot_token"):
        SlackChannel(SlackConfig(), templates=Templates(), external_url=EXTERNAL)
