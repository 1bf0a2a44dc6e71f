"""GET /api/v2/alerts: filters, ordering, resolved alerts hidden, answer shape."""

from __future__ import annotations

import pytest
from tests.conftest import ApiHarness

from tocsin.model import fingerprint

ALERTS = [
    {"labels": {"alertname": "Disk", "team": "db", "severity": "critical"}},
    {"labels": {"alertname": "Disk", "team": "web", "severity": "warning"}},
    {"labels": {"alertname": "CPU", "severity": "critical"}},
    {"labels": {"alertname": "CPU", "team": "db", "env": "dev-1"}},
]


@pytest.fixture
def loaded(api: ApiHarness) -> ApiHarness:
    status, _ = api.post_alerts(ALERTS)
    assert status == 200
    return api


def _names(alerts: list[dict[str, object]]) -> list[tuple[str, str]]:
    out = []
    for a in alerts:
        labels = a["labels"]
        assert isinstance(labels, dict)
        out.append((labels["alertname"], labels.get("team", "")))
    return sorted(out)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([], [("CPU", ""), ("CPU", "db"), ("Disk", "db"), ("Disk", "web")]),
        (['alertname="Disk"'], [("Disk", "db"), ("Disk", "web")]),
        (["alertname=Disk", "team=db"], [("Disk", "db")]),
        (['team!="db"'], [("CPU", ""), ("Disk", "web")]),  # absent label equals ""
        (['team=""'], [("CPU", "")]),
        (['severity=~"crit"'], []),  # anchored
        (['severity=~"crit.*"'], [("CPU", ""), ("Disk", "db")]),
        (['env!~"dev.*"'], [("CPU", ""), ("Disk", "db"), ("Disk", "web")]),
    ],
)
def test_filters_select_as_alertmanager_does(
    loaded: ApiHarness, filters: list[str], expected: list[tuple[str, str]]
) -> None:
    assert _names(loaded.alerts(filter=filters)) == expected


def test_bad_filter_is_400_with_the_parser_message(loaded: ApiHarness) -> None:
    resp = loaded.client.get("/api/v2/alerts", params={"filter": 'a=~"('})
    assert resp.status_code == 400
    assert isinstance(resp.json(), str)


def test_alerts_are_sorted_by_fingerprint(loaded: ApiHarness) -> None:
    fps = [a["fingerprint"] for a in loaded.alerts()]
    assert fps == sorted(fps)
    assert set(fps) == {fingerprint(a["labels"]) for a in ALERTS}  # type: ignore[arg-type]


def test_receivers_follow_the_routing_tree(loaded: ApiHarness) -> None:
    by_team = {
        (a["labels"]["alertname"], a["labels"].get("team")): a["receivers"]  # type: ignore[index,union-attr]
        for a in loaded.alerts()
    }
    assert by_team[("Disk", "db")] == [{"name": "dba"}]
    assert by_team[("Disk", "web")] == [{"name": "default"}]


def test_receiver_filter_is_an_anchored_regex(loaded: ApiHarness) -> None:
    assert _names(loaded.alerts(receiver="dba")) == [("CPU", "db"), ("Disk", "db")]
    assert loaded.alerts(receiver="db") == []
    resp = loaded.client.get("/api/v2/alerts", params={"receiver": "("})
    assert resp.status_code == 400


def test_active_false_hides_active_alerts(loaded: ApiHarness) -> None:
    assert loaded.alerts(active="false") == []
    assert len(loaded.alerts(active="true", silenced="false", inhibited="false")) == 4


def test_resolved_alerts_are_never_listed(api: ApiHarness) -> None:
    api.post_alerts(
        [
            {
                "labels": {"alertname": "Gone"},
                "endsAt": "2027-01-15T07:00:00Z",
                "startsAt": "2027-01-15T06:00:00Z",
            }
        ]
    )
    api.post_alerts([{"labels": {"alertname": "Soon"}}])
    assert [a["labels"] for a in api.alerts()] == [{"alertname": "Soon"}]
    api.clock.advance(301)  # past resolve_timeout
    assert api.alerts() == []


def test_answer_has_alertmanager_fields_in_order(api: ApiHarness) -> None:
    api.post_alerts(
        [{"labels": {"alertname": "A"}, "annotations": {"s": "t"}, "generatorURL": "http://x/y"}]
    )
    (alert,) = api.alerts()
    assert list(alert) == [
        "annotations",
        "endsAt",
        "fingerprint",
        "receivers",
        "startsAt",
        "status",
        "updatedAt",
        "generatorURL",
        "labels",
    ]
    assert alert["status"] == {"inhibitedBy": [], "silencedBy": [], "state": "active"}


def test_not_ready_answers_503(api: ApiHarness) -> None:
    api.ctx.ready = False
    assert api.client.get("/-/ready").status_code == 503
    assert api.client.get("/-/healthy").status_code == 200
    assert api.client.get("/api/v2/alerts").status_code == 503
    status, _ = api.post_alerts([{"labels": {"a": "b"}}])
    assert status == 503
    api.ctx.ready = True
    assert api.client.get("/-/ready").status_code == 200


def test_receivers_and_status(api: ApiHarness) -> None:
    assert api.client.get("/api/v2/receivers").json() == [{"name": "default"}, {"name": "dba"}]
    status = api.client.get("/api/v2/status").json()
    assert status["cluster"] == {"peers": [], "status": "disabled"}
    assert "receiver: default" in status["config"]["original"]
    native = api.client.get("/api/tocsin/v1/status").json()
    assert native["store"]["backend"] in ("sqlite", "postgresql")


def test_unknown_api_path_is_a_json_404(api: ApiHarness) -> None:
    resp = api.client.get("/api/v2/nothing")
    assert resp.status_code == 404
    assert resp.json()["code"] == 404


def test_metrics_count_received_and_invalid_alerts(api: ApiHarness) -> None:
    api.post_alerts([{"labels": {"a": "b"}}, {"labels": {"1": "x"}}])
    text = api.client.get("/metrics").text
    assert 'tocsin_alerts_received_total{status="firing"} 1.0' in text
    assert "tocsin_alerts_invalid_total 1.0" in text
