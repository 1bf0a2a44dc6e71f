"""The PagerDuty channel sends Alertmanager 0.25's events to a fake Events API and judges
its answers by tocsin's one policy. Every server is on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.channels.local_servers import LocalServer, Reply, forbid_non_local
from tests.support.fakes.pagerduty import ROUTING_KEY, SERVICE_KEY, V1_PATH, FakePagerDuty
from tests.support.ports import free_port

from tocsin import __version__
from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.channels.pagerduty import (
    MAX_EVENT_BYTES,
    TOO_LARGE_DETAILS,
    V1_URL,
    PagerdutyChannel,
    dedup_key,
    pagerduty_target,
    truncate,
)
from tocsin.config import load_config_text
from tocsin.config.receivers import PagerdutyConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"
GROUP_KEY = '{}/{severity=~"critical"}:{alertname="Disk"}'
DEDUP = hashlib.sha256(GROUP_KEY.encode()).hexdigest()


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def pd() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty()
    yield fake
    fake.close()


def _alert(ends: float, annotations: dict[str, str] | None = None, **labels: str) -> Alert:
    return Alert(
        fingerprint(labels), labels, annotations or {"summary": "s"}, NOW - 600, ends, NOW - 1
    )


def _message(*, resolved: bool = False, **extra: Any) -> Message:
    ends = NOW - 5 if resolved else NOW + 300
    return Message(
        receiver="pager",
        status="resolved" if resolved else "firing",
        group_key=GROUP_KEY,
        group_labels={"alertname": "Disk"},
        alerts=[
            _alert(ends, alertname="Disk", instance="a", severity="critical"),
            _alert(NOW - 5, alertname="Disk", instance="b", severity="critical"),
        ],
        now=NOW,
        extra=extra,
    )


def _config(yaml_item: str) -> PagerdutyConfig:
    text = f"""
route: {{receiver: pager}}
receivers:
  - name: pager
    pagerduty_configs:
      - {yaml_item}
"""
    return load_config_text(text).receivers[0].pagerduty_configs[0]


def _channel(config: PagerdutyConfig, **options: Any) -> PagerdutyChannel:
    return PagerdutyChannel(config, templates=Templates(), external_url=EXTERNAL, **options)


def _send(
    config: PagerdutyConfig,
    message: Message | None = None,
    *,
    target: str | None = None,
    **options: Any,
) -> SendResult:
    async def main() -> SendResult:
        channel = _channel(config, **options)
        try:
            key = pagerduty_target(config) if target is None else target
            return await channel.send(key, message or _message(), "flush-1")
        finally:
            await channel.aclose()

    return asyncio.run(main())


def _basic(url: str, more: str = "") -> str:
    """A v2 item with plain texts (the fake refuses an empty summary or source)."""
    tail = f", {more}" if more else ""
    return f"{{routing_key: {ROUTING_KEY}, url: '{url}', description: d, client: c{tail}}}"


def _fail(config: PagerdutyConfig, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(config, **options)
    return caught.value


FULL = (
    "{routing_key: %s, url: '%s', "
    "description: '{{ commonLabels.alertname }} on {{ alerts.firing | length }}', "
    "client: 'tocsin {{ receiver }}', client_url: '{{ externalURL }}/#/alerts', "
    "severity: '{{ commonLabels.severity }}', class: disk, "
    "component: '{{ groupLabels.alertname }}', group: storage, "
    "details: {firing: '{{ alerts.firing | length }}', "
    "resolved: '{{ alerts.resolved | length }}', num_firing: x, num_resolved: y, "
    "team: '{{ commonLabels.alertname | lower }}'}, "
    "images: [{src: 'https://img/{{ groupLabels.alertname }}.png', alt: chart, href: 'https://g'},"
    " {src: '', alt: dropped}], "
    "links: [{href: '{{ externalURL }}', text: tocsin}, {href: '', text: dropped}]}"
)


def test_a_trigger_is_alertmanagers_v2_event_field_by_field(pd: FakePagerDuty) -> None:
    result = _send(_config(FULL % (ROUTING_KEY, pd.url)))
    (seen,) = pd.requests
    assert (seen.method, seen.path) == ("POST", "/v2/enqueue")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"] == f"tocsin/{__version__}"
    assert seen.body.endswith(b"}\n")  # Go's json.Encoder ends the document with a newline
    assert orjson.loads(seen.body) == {
        "routing_key": ROUTING_KEY,
        "dedup_key": DEDUP,
        "event_action": "trigger",
        "payload": {
            "summary": "Disk on 1",
            "source": "tocsin pager",  # source unset: the client's text
            "severity": "critical",
            "class": "disk",
            "component": "Disk",
            "group": "storage",
            "custom_details": {
                "firing": "1",
                "resolved": "1",
                "num_firing": "x",
                "num_resolved": "y",
                "team": "disk",
            },
        },
        "client": "tocsin pager",
        "client_url": f"{EXTERNAL}/#/alerts",
        "images": [{"src": "https://img/Disk.png", "alt": "chart", "href": "https://g"}],
        "links": [{"href": EXTERNAL, "text": "tocsin"}],
    }
    # Go's struct order, details sorted by key as Go sorts map keys
    event = orjson.loads(seen.body)
    assert list(event) == [
        "routing_key",
        "dedup_key",
        "event_action",
        "payload",
        "client",
        "client_url",
        "images",
        "links",
    ]
    assert list(event["payload"]["custom_details"]) == sorted(event["payload"]["custom_details"])
    assert result == SendResult(status=202, reference=DEDUP)


def test_a_resolved_group_sends_resolve_with_the_same_dedup_key_and_full_payload(
    pd: FakePagerDuty,
) -> None:
    config = _config(FULL % (ROUTING_KEY, pd.url))
    _send(config)
    _send(config, _message(resolved=True))
    trigger, resolve = pd.events
    assert resolve["event_action"] == "resolve"
    assert resolve["dedup_key"] == trigger["dedup_key"] == DEDUP
    # Alertmanager sends the whole payload on resolve too
    assert resolve["payload"]["summary"] == "Disk on 0"
    assert resolve["payload"]["custom_details"]["resolved"] == "2"
    assert resolve["client"] == "tocsin pager"


def test_empty_optional_fields_are_left_out_and_severity_defaults_to_error(
    pd: FakePagerDuty,
) -> None:
    config = _config(
        f"{{routing_key: {ROUTING_KEY}, url: '{pd.url}', description: d, client: c, "
        "client_url: '', details: {firing: '', resolved: '', num_firing: '', num_resolved: ''}}"
    )
    _send(config)
    assert orjson.loads(pd.requests[0].body) == {
        "routing_key": ROUTING_KEY,
        "dedup_key": DEDUP,
        "event_action": "trigger",
        "payload": {
            "summary": "d",
            "source": "c",
            "severity": "error",
            "custom_details": {"firing": "", "resolved": "", "num_firing": "", "num_resolved": ""},
        },
        "client": "c",
    }


def test_source_when_set_is_its_own_template(pd: FakePagerDuty) -> None:
    config = _config(
        f"{{routing_key: {ROUTING_KEY}, url: '{pd.url}', description: d, client: c, "
        'source: \'{{ commonLabels.get("instance", "many") }}\'}'
    )
    _send(config)
    assert pd.events[0]["payload"]["source"] == "many"


def test_details_are_rendered_with_alertmanagers_defaults_kept() -> None:
    config = _config(f"{{routing_key: {ROUTING_KEY}, details: {{extra: '{{{{ receiver }}}}'}}}}")
    assert set(config.details) == {"firing", "resolved", "num_firing", "num_resolved", "extra"}
    event = _channel(config).event(ROUTING_KEY, _message())
    assert event["payload"]["custom_details"]["extra"] == "pager"


@pytest.mark.parametrize(
    ("priority", "severity"),
    [("P0", "critical"), ("P1", "error"), ("P2", "warning"), ("P3", "info"), ("P9", "info")],
)
def test_runbook_maps_tocsins_severity_to_pagerdutys(priority: str, severity: str) -> None:
    config = _config(f"{{routing_key: {ROUTING_KEY}, template: runbook}}")
    event = _channel(config).event(ROUTING_KEY, _message(severity=priority))
    assert event["payload"]["severity"] == severity


def test_runbook_keeps_a_severity_the_config_sets() -> None:
    config = _config(f"{{routing_key: {ROUTING_KEY}, template: runbook, severity: warning}}")
    event = _channel(config).event(ROUTING_KEY, _message(severity="P0"))
    assert event["payload"]["severity"] == "warning"


def test_runbook_links_the_runbook_and_the_acknowledge_page() -> None:
    config = _config(f"{{routing_key: {ROUTING_KEY}, template: runbook}}")
    message = _message(ack_url="https://tocsin/ack/t0k")
    runbook = {"runbook_url": "https://wiki/disk"}
    alerts = [_alert(NOW + 300, runbook, alertname="Disk", instance=i) for i in "ab"]
    message = dataclasses.replace(message, alerts=alerts)
    event = _channel(config).event(ROUTING_KEY, message)
    assert event["links"] == [
        {"href": "https://wiki/disk", "text": "Runbook"},
        {"href": "https://tocsin/ack/t0k", "text": "Acknowledge"},
    ]
    without = _channel(config).event(ROUTING_KEY, _message())
    assert "links" not in without  # no runbook, no acknowledge link: nothing to show


def test_the_summary_is_cut_to_1024_characters_as_alertmanager_cuts_it() -> None:
    config = _config(f"{{routing_key: {ROUTING_KEY}, description: '{'é' * 1500}'}}")
    summary = _channel(config).event(ROUTING_KEY, _message())["payload"]["summary"]
    assert summary == "é" * 1021 + "..."
    assert truncate("x" * 1024) == ("x" * 1024, False)
    assert truncate("abcdef", 3) == ("abc", True)


def test_an_event_over_512000_bytes_loses_its_details_as_in_alertmanager(
    pd: FakePagerDuty, caplog: pytest.LogCaptureFixture
) -> None:
    big = "y" * 600_000
    config = _config(_basic(pd.url, f"details: {{big: {big}}}"))
    _send(config)
    (event,) = pd.events
    assert event["payload"]["custom_details"] == {"error": TOO_LARGE_DETAILS}
    assert len(pd.requests[0].body) < MAX_EVENT_BYTES
    assert "exceeds 512000" in caplog.text


def test_html_characters_are_escaped_as_gos_encoder_does(pd: FakePagerDuty) -> None:
    config = _config(
        f"{{routing_key: {ROUTING_KEY}, url: '{pd.url}', description: 'a<b>&c', client: c}}"
    )
    _send(config)
    assert b'"summary":"a\\u003cb\\u003e\\u0026c"' in pd.requests[0].body
    assert pd.events[0]["payload"]["summary"] == "a<b>&c"


# --- Events API v1 ------------------------------------------------------------------------


def test_a_service_key_sends_alertmanagers_v1_event(pd: FakePagerDuty) -> None:
    config = _config(
        f"{{service_key: {SERVICE_KEY}, url: '{pd.v1_url}', description: 'disk {{{{ status }}}}',"
        " client: c, client_url: 'http://c', details: {firing: f, resolved: r, num_firing: '1',"
        " num_resolved: '0'}}"
    )
    trigger = _send(config)
    _send(config, _message(resolved=True))
    first, second = (orjson.loads(s.body) for s in pd.requests)
    assert pd.requests[0].path == V1_PATH
    details = {"firing": "f", "num_firing": "1", "num_resolved": "0", "resolved": "r"}
    assert first == {
        "service_key": SERVICE_KEY,
        "incident_key": DEDUP,
        "event_type": "trigger",
        "description": "disk firing",
        "event_action": "",
        "payload": None,
        "client": "c",
        "client_url": "http://c",
        "details": details,
    }
    assert second == {  # client and client_url go with a trigger only
        "service_key": SERVICE_KEY,
        "incident_key": DEDUP,
        "event_type": "resolve",
        "description": "disk resolved",
        "event_action": "",
        "payload": None,
        "details": details,
    }
    assert trigger == SendResult(status=200, reference=DEDUP)


def test_v1_goes_to_pagerdutys_v1_endpoint_unless_url_names_another() -> None:
    assert _channel(_config(f"{{service_key: {SERVICE_KEY}}}")).url == V1_URL
    custom = _channel(_config(f"{{service_key: {SERVICE_KEY}, url: 'http://127.0.0.1:1/x'}}"))
    assert custom.url == "http://127.0.0.1:1/x"
    both = _channel(_config(f"{{service_key: {SERVICE_KEY}, routing_key: {ROUTING_KEY}}}"))
    assert both.v1  # as in Alertmanager, the service key wins
    assert _channel(_config(f"{{routing_key: {ROUTING_KEY}}}")).url == (
        "https://events.pagerduty.com/v2/enqueue"
    )


def test_a_v1_403_is_pagerdutys_rate_limit_and_retried(pd: FakePagerDuty) -> None:
    pd.fail_next(403)
    error = _fail(_config(f"{{service_key: {SERVICE_KEY}, url: '{pd.v1_url}'}}"))
    assert (error.retryable, error.status) == (True, 403)


# --- targets --------------------------------------------------------------------------------


def test_any_routing_key_can_be_the_target(pd: FakePagerDuty) -> None:
    config = _config(_basic(pd.url))
    other = "0THERSERV1CE0123456789abcdefABCD"
    _send(config, target=other)
    assert pd.events[0]["routing_key"] == other


def test_the_target_is_the_service_key_else_the_routing_key(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(f"{ROUTING_KEY}\n")
    text = f"""
route: {{receiver: pager}}
receivers:
  - name: pager
    pagerduty_configs:
      - routing_key: {ROUTING_KEY}
      - routing_key_file: key
      - service_key: {SERVICE_KEY}
        routing_key: {ROUTING_KEY}
"""
    configs = load_config_text(text, base_dir=tmp_path).receivers[0].pagerduty_configs
    assert [pagerduty_target(c) for c in configs] == [ROUTING_KEY, ROUTING_KEY, SERVICE_KEY]


def test_display_shows_only_the_keys_last_four_characters() -> None:
    assert _channel(_config(f"{{routing_key: {ROUTING_KEY}}}")).display(ROUTING_KEY) == (
        "routing key …CDEF"
    )
    assert _channel(_config(f"{{service_key: {SERVICE_KEY}}}")).display(SERVICE_KEY) == (
        "service key …CDEF"
    )


def test_an_empty_key_is_not_sent(pd: FakePagerDuty) -> None:
    error = _fail(_config(_basic(pd.url)), target="")
    assert not error.retryable
    assert pd.requests == []


def test_dedup_key_is_the_hex_sha256_of_the_group_key() -> None:
    assert dedup_key("{}:{}") == hashlib.sha256(b"{}:{}").hexdigest()
    assert len(dedup_key(GROUP_KEY)) == 64


# --- answers ----------------------------------------------------------------------------------


def test_the_reference_is_the_dedup_key_pagerduty_answers(pd: FakePagerDuty) -> None:
    answer = b'{"status":"success","message":"Event processed","dedup_key":"theirs"}'
    pd.fail_next(202, body=answer)
    result = _send(_config(_basic(pd.url)))
    assert result == SendResult(status=202, reference="theirs")


def test_a_2xx_with_a_malformed_body_is_delivered_and_logged(
    pd: FakePagerDuty, caplog: pytest.LogCaptureFixture
) -> None:
    pd.malformed_next()
    result = _send(_config(_basic(pd.url)))
    assert result == SendResult(status=202, reference=DEDUP)
    assert "has no dedup_key" in caplog.text
    assert ROUTING_KEY not in caplog.text


def test_an_invalid_event_is_permanent_and_says_why(pd: FakePagerDuty) -> None:
    config = _config(_basic(pd.url, "severity: bogus"))
    error = _fail(config)
    assert (error.retryable, error.status) == (False, 400)
    assert str(error) == (
        "PagerDuty answered 400: Event object is invalid: "
        "'payload.severity' is invalid (must be one of: critical, error, warning, info)"
    )
    assert pd.events == []


def test_a_short_routing_key_is_refused_by_the_fake_as_by_pagerduty(pd: FakePagerDuty) -> None:
    error = _fail(_config(f"{{routing_key: short, url: '{pd.url}'}}"))
    assert "Length of 'routing_key' is incorrect" in str(error)
    assert not error.retryable


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (429, True), (401, False), (403, False), (404, False)],
)
def test_statuses_are_judged_by_the_one_policy(
    pd: FakePagerDuty, status: int, retryable: bool
) -> None:
    pd.fail_next(status, headers={"Retry-After": "7"})
    error = _fail(_config(_basic(pd.url)))
    assert (error.retryable, error.status) == (retryable, status)
    assert str(error).startswith(f"PagerDuty answered {status}")
    assert error.retry_after == (7.0 if status in (429, 503) else None)


def test_a_timeout_is_retryable(pd: FakePagerDuty) -> None:
    pd.hang_next()
    error = _fail(_config(_basic(pd.url)), timeout=0.2)
    assert error.retryable
    assert str(error).startswith("PagerDuty request failed: ReadTimeout")


def test_a_refused_connection_is_retryable() -> None:
    error = _fail(
        _config(f"{{routing_key: {ROUTING_KEY}, url: 'http://127.0.0.1:{free_port()}/'}}")
    )
    assert error.retryable
    assert str(error).startswith("PagerDuty request failed: ConnectError")


def test_no_key_shows_in_an_error_even_when_pagerduty_echoes_the_event() -> None:
    srv = LocalServer(lambda seen: Reply(400, b"bad event: " + seen.body))
    try:
        error = _fail(_config(f"{{routing_key: {ROUTING_KEY}, url: '{srv.url('/v2/enqueue')}'}}"))
        v1 = _fail(_config(f"{{service_key: {SERVICE_KEY}, url: '{srv.url('/v1')}'}}"))
    finally:
        srv.close()
    assert str(error).startswith("PagerDuty answered 400: bad event: ")
    assert "<secret>" in str(error)
    assert ROUTING_KEY not in str(error)
    assert SERVICE_KEY not in str(v1)


def test_no_secret_of_http_config_shows_in_an_error(pd: FakePagerDuty) -> None:
    pd.fail_next(500, body="auth was Bearer b3arer-t0k")
    config = _config(
        f"{{routing_key: {ROUTING_KEY}, url: '{pd.url}', "
        "http_config: {authorization: {credentials: b3arer-t0k}}}"
    )
    error = _fail(config)
    assert pd.requests[0].headers["authorization"] == "Bearer b3arer-t0k"
    assert "b3arer-t0k" not in str(error)


def test_the_log_of_a_delivery_shows_no_key(
    pd: FakePagerDuty, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _send(_config(_basic(pd.url)))
    assert caplog.records
    assert ROUTING_KEY not in caplog.text
