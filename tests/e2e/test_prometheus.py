"""The real Prometheus sends alerts to a running tocsin: they fire, stay fresh and resolve.

Prometheus (2.42, Debian) scrapes a gauge served by the test every second and evaluates two
rules on it every second; with ``--rules.alert.resend-delay=1s`` it re-sends firing alerts
every other evaluation with ``endsAt`` = evaluation + 4 s, and, when the gauge goes to 0,
sends them once more with ``endsAt`` = the evaluation that resolved them.

What Prometheus sends as ``startsAt`` is the evaluation at which the alert started *firing*
(``FiredAt``), not the one at which it became active: for a rule with ``for: 2s`` the
``startsAt`` tocsin receives is at least 2 s after the ``activeAt`` Prometheus shows on its
own API (seen in a capture of the requests Prometheus 2.42 sends).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.prometheus import (
    SWITCH_JOB,
    PrometheusProcess,
    generator_url,
    running_prometheus,
    serving_switch,
)
from tests.support.tocsin import TocsinProcess, start_tocsin

pytestmark = [pytest.mark.realtime, pytest.mark.external]

CONFIG = """\
route:
  receiver: log
receivers:
  - name: log
    log_configs: [{}]
"""

EXPR = "test_switch == 1"
FOR_S = 2.0
EXTERNAL_LABELS = {"monitor": "tocsin-e2e"}
RULES: list[dict[str, Any]] = [
    {
        "alert": "SwitchOn",
        "expr": EXPR,
        "labels": {"severity": "critical"},
        "annotations": {"summary": "switch is {{ $value }} on {{ $labels.instance }}"},
    },
    {
        "alert": "SwitchOnFor",
        "expr": EXPR,
        "for": f"{FOR_S:g}s",
        "labels": {"severity": "warning"},
        "annotations": {"summary": "switch on for a while", "runbook": "none"},
    },
]
NAMES = {"SwitchOn", "SwitchOnFor"}

# Prometheus 2.42 starts scraping only after its first target sync, about 5 s after start;
# then the plain rule fires at the next evaluation and the ``for`` rule 2-3 s later.
FIRE_TIMEOUT_S = 20.0
RESOLVE_TIMEOUT_S = 10.0
POLL_S = 0.1
CLOCK_SLACK_S = 0.5

_TS_RE = re.compile(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")


def _ts(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 UTC time with up to nanoseconds."""
    m = _TS_RE.match(text)
    assert m, f"not an RFC 3339 UTC timestamp: {text!r}"
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{m.group(1)}.{frac}+00:00").timestamp()


def _tocsin_alerts(server: TocsinProcess) -> dict[str, dict[str, Any]]:
    resp = httpx.get(f"{server.url}/api/v2/alerts", timeout=5, trust_env=False)
    assert resp.status_code == 200, resp.text
    return {a["labels"]["alertname"]: a for a in resp.json()}


def _metric_samples(url: str, name: str) -> dict[str, float]:
    """Every sample of metric ``name`` at ``url``/metrics, keyed by its label text."""
    text = httpx.get(f"{url}/metrics", timeout=5, trust_env=False).text
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, value = line.rsplit(" ", 1)
            samples[key[len(name) :]] = float(value)
    return samples


def _received(server: TocsinProcess, status: str) -> float:
    return _metric_samples(server.url, "tocsin_alerts_received_total").get(
        f'{{status="{status}"}}', 0.0
    )


def _poll(
    what: str,
    timeout: float,
    fetch: Callable[[], dict[str, dict[str, Any]]],
    done: Callable[[dict[str, dict[str, Any]]], bool],
    diagnostics: Callable[[], str],
) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        current = fetch()
        if done(current):
            return current
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:g} s; last seen {current}\n{diagnostics()}")
        time.sleep(POLL_S)


def test_prometheus_alerts_fire_stay_fresh_and_resolve(tmp_path: Path) -> None:
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG)
    test_start = time.time()
    server = start_tocsin(config, tmp_path / "data")
    try:
        with (
            serving_switch(1) as switch,
            running_prometheus(
                alertmanager=f"127.0.0.1:{server.port}",
                targets=[switch.target],
                rules=RULES,
                external_labels=EXTERNAL_LABELS,
            ) as prom,
        ):

            def diagnostics() -> str:
                return (
                    f"scrapes of the switch: {switch.scrapes}\n"
                    f"--- prometheus log ---\n{prom.log()[-6000:]}\n"
                    f"--- tocsin log ---\n{server.log()[-6000:]}"
                )

            _check_firing(server, prom, switch.target, test_start, diagnostics)
            switch.set(0)
            _check_resolved(server, prom, diagnostics)
    finally:
        assert server.stop() == 0, server.log()


def _check_firing(
    server: TocsinProcess,
    prom: PrometheusProcess,
    instance: str,
    test_start: float,
    diagnostics: Callable[[], str],
) -> None:
    assert _received(server, "firing") == 0
    first_on = _poll(
        "Prometheus's first alert did not appear in tocsin",
        FIRE_TIMEOUT_S,
        lambda: _tocsin_alerts(server),
        lambda seen: "SwitchOn" in seen,
        diagnostics,
    )["SwitchOn"]
    alerts = _poll(
        "the alert of the rule with `for` did not appear in tocsin",
        FIRE_TIMEOUT_S,
        lambda: _tocsin_alerts(server),
        lambda seen: "SwitchOnFor" in seen,
        diagnostics,
    )
    seen_at = time.time()
    assert set(alerts) == NAMES, f"SwitchOn vanished: {alerts}\n{diagnostics()}"

    with prom.client() as client:
        prom_alerts = {
            a["labels"]["alertname"]: a
            for a in client.get("/api/v1/alerts").json()["data"]["alerts"]
        }
    assert set(prom_alerts) == NAMES, prom_alerts
    assert {a["state"] for a in prom_alerts.values()} == {"firing"}

    for rule in RULES:
        name = rule["alert"]
        alert = alerts[name]
        # Prometheus adds alertname, the rule's labels, the series' labels (without
        # __name__) and its external labels.
        assert alert["labels"] == {
            "alertname": name,
            **rule["labels"],
            "job": SWITCH_JOB,
            "instance": instance,
            **EXTERNAL_LABELS,
        }, alert
        expected_annotations = dict(rule["annotations"])
        if name == "SwitchOn":  # templated by Prometheus
            expected_annotations["summary"] = f"switch is 1 on {instance}"
        assert alert["annotations"] == expected_annotations, alert
        assert alert.get("generatorURL") == generator_url(prom.url, EXPR), alert
        assert alert["status"] == {"state": "active", "silencedBy": [], "inhibitedBy": []}
        assert alert["receivers"] == [{"name": "log"}]

        starts_at, ends_at = _ts(alert["startsAt"]), _ts(alert["endsAt"])
        assert test_start - CLOCK_SLACK_S <= starts_at <= seen_at + CLOCK_SLACK_S, alert
        # endsAt = the last send's evaluation + 4 x resend delay (4 s), and sends come
        # every 2 s, so it lies between about 2 s and 4 s ahead.
        assert seen_at < ends_at <= seen_at + 4.0 + CLOCK_SLACK_S, (seen_at, alert)

    # startsAt is when the alert started firing: the activeAt of the plain rule, and at
    # least ``for`` later than activeAt for the other one (both rules see the same series
    # at the same evaluations).
    active_at = _ts(prom_alerts["SwitchOn"]["activeAt"])
    assert _ts(prom_alerts["SwitchOnFor"]["activeAt"]) == pytest.approx(active_at, abs=0.002)
    assert _ts(alerts["SwitchOn"]["startsAt"]) == pytest.approx(active_at, abs=0.002)
    for_delay = _ts(alerts["SwitchOnFor"]["startsAt"]) - active_at
    assert FOR_S - 0.002 <= for_delay <= FOR_S + 2.0 + CLOCK_SLACK_S, (for_delay, alerts)

    # Prometheus keeps them alive by re-sending: tocsin must list them without a gap past
    # the endsAt it first showed for SwitchOn, with endsAt moved later, startsAt unchanged.
    watch_until = _ts(first_on["endsAt"]) + 1.0
    current = alerts
    while time.time() < watch_until:
        time.sleep(POLL_S)
        current = _tocsin_alerts(server)
        assert set(current) == NAMES, f"a firing alert vanished: {current}\n{diagnostics()}"
    assert _ts(current["SwitchOn"]["endsAt"]) > _ts(first_on["endsAt"]), (first_on, current)
    assert current["SwitchOn"]["startsAt"] == first_on["startsAt"], (first_on, current)
    assert current["SwitchOn"]["fingerprint"] == first_on["fingerprint"]
    for name in NAMES:
        assert current[name]["startsAt"] == alerts[name]["startsAt"], (alerts, current)
        assert _ts(current[name]["endsAt"]) >= _ts(alerts[name]["endsAt"]), (alerts, current)
        assert _ts(current[name]["endsAt"]) > time.time(), current
        assert current[name]["fingerprint"] == alerts[name]["fingerprint"]

    # The first send and a re-send of SwitchOn, and the first send of SwitchOnFor.
    assert _received(server, "firing") >= 3
    assert _received(server, "resolved") == 0


def _check_resolved(
    server: TocsinProcess, prom: PrometheusProcess, diagnostics: Callable[[], str]
) -> None:
    switched_off = time.time()
    _poll(
        "the alerts were not resolved in tocsin after the switch went off",
        RESOLVE_TIMEOUT_S,
        lambda: _tocsin_alerts(server),
        lambda seen: not seen,
        diagnostics,
    )
    resolved_seen = time.time()
    assert resolved_seen - switched_off < RESOLVE_TIMEOUT_S

    # Resolved, not forgotten: both were received as resolved and are held as resolved.
    assert _received(server, "resolved") >= 2, diagnostics()
    held = _metric_samples(server.url, "tocsin_alerts")
    assert held.get('{state="active"}') == 0, held
    assert held.get('{state="resolved"}') == 2, held

    # tocsin answered every one of Prometheus's requests with a success.
    target = f'{{alertmanager="http://127.0.0.1:{server.port}/api/v2/alerts"}}'
    sent = _metric_samples(prom.url, "prometheus_notifications_sent_total")
    errors = _metric_samples(prom.url, "prometheus_notifications_errors_total")
    dropped = _metric_samples(prom.url, "prometheus_notifications_dropped_total")
    assert sent.get(target, 0) >= 3, sent
    assert errors.get(target) == 0, (errors, diagnostics())
    assert dropped.get("", 0) == 0, dropped
