"""``/api/tocsin/v1/incidents`` over the real store: listing, filters, detail with the
timeline, acknowledge and resolve, and the refusals (400 naming the field, 404, 409, 422)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from tests.incidents.fakes import build_app, open_sample

from tocsin.model import FakeClock
from tocsin.store import Database
from tocsin.store.incidents import IncidentStore

T0 = 1_800_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + 3600)


@pytest.fixture
def store(database: Database) -> IncidentStore:
    store = IncidentStore(database)
    open_sample(store, "aaaaaaaaaaa1", "HighLatency", T0, severity="P1")
    open_sample(store, "aaaaaaaaaaa2", "DiskFull", T0 + 60, severity="P0", service="db")
    open_sample(store, "aaaaaaaaaaa3", "CertExpiry", T0 + 120, severity="P3")
    return store


@pytest.fixture
def client(store: IncidentStore, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(build_app(store, clock)) as client:
        yield client


def test_list_shows_incidents_newest_first(client: TestClient) -> None:
    answer = client.get("/api/tocsin/v1/incidents")
    assert answer.status_code == 200
    items = answer.json()["incidents"]
    assert [i["number"] for i in items] == [3, 2, 1]
    first = items[1]
    assert first["id"] == "aaaaaaaaaaa2"
    assert first["title"] == "DiskFull on db"
    assert first["status"] == "triggered"
    assert first["severity"] == "P0"
    assert first["opened_at"] == "2027-01-15T08:01:00.000Z"
    assert first["acknowledged_at"] is None
    assert (first["alerts_firing"], first["alerts_total"]) == (1, 1)
    assert "timeline" not in first


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({"severity": "P0"}, [2]),
        ({"severity": "p0,P1"}, [2, 1]),
        ({"status": "acknowledged"}, []),
        ({"status": ["triggered", "resolved"]}, [3, 2, 1]),
        ({"since": "2027-01-15T08:01:00Z"}, [3, 2]),
        ({"limit": "1"}, [3]),
    ],
)
def test_list_filters(client: TestClient, params: dict[str, str], numbers: list[int]) -> None:
    answer = client.get("/api/tocsin/v1/incidents", params=params)
    assert answer.status_code == 200, answer.text
    assert [i["number"] for i in answer.json()["incidents"]] == numbers


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open"}, "status:"),
        ({"severity": "P9"}, "severity:"),
        ({"since": "yesterday"}, "since:"),
        ({"limit": "ten"}, "limit:"),
        ({"limit": "0"}, "limit:"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    answer = client.get("/api/tocsin/v1/incidents", params=params)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(field)


def test_detail_by_id_or_number_has_alerts_and_timeline(client: TestClient) -> None:
    by_id = client.get("/api/tocsin/v1/incidents/aaaaaaaaaaa1").json()
    assert client.get("/api/tocsin/v1/incidents/1").json() == by_id
    assert by_id["key"] == '/0:{alertname="HighLatency"}'
    assert by_id["alerts"] == [
        {
            "fingerprint": "fp-aaaaaaaaaaa1",
            "labels": {"alertname": "HighLatency", "service": "api"},
            "status": "firing",
            "first_seen": "2027-01-15T08:00:00.000Z",
            "resolved_at": None,
        }
    ]
    assert [e["kind"] for e in by_id["timeline"]] == ["opened", "alert_fired"]
    assert by_id["timeline"][0]["actor"] == "alerts"
    assert by_id["timeline"][0]["detail"]["title"] == "HighLatency on api"


def test_unknown_incident_is_404(client: TestClient) -> None:
    answer = client.get("/api/tocsin/v1/incidents/99")
    assert answer.status_code == 404
    assert answer.json() == {"error": "incident '99' not found"}
    assert (
        client.post("/api/tocsin/v1/incidents/ffffffffffff/ack", json={"by": "a"}).status_code
        == 404
    )


def test_acknowledge_then_resolve(client: TestClient, clock: FakeClock) -> None:
    acked = client.post("/api/tocsin/v1/incidents/1/ack", json={"by": "alice", "comment": "on it"})
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "alice"
    assert acked.json()["acknowledged_at"] == "2027-01-15T09:00:00.000Z"
    clock.advance(600)
    done = client.post("/api/tocsin/v1/incidents/aaaaaaaaaaa1/resolve", json={"by": "bob"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["resolved_by"]) == ("resolved", "bob")
    timeline = client.get("/api/tocsin/v1/incidents/1").json()["timeline"]
    assert [(e["kind"], e["actor"]) for e in timeline[-2:]] == [
        ("acknowledged", "alice"),
        ("resolved", "bob"),
    ]
    assert timeline[-2]["detail"] == {"comment": "on it"}
    assert timeline[-1]["at"] == "2027-01-15T09:10:00.000Z"
    listed = client.get("/api/tocsin/v1/incidents", params={"status": "resolved"}).json()
    assert [i["number"] for i in listed["incidents"]] == [1]


def test_invalid_transitions_are_409(client: TestClient) -> None:
    assert client.post("/api/tocsin/v1/incidents/2/resolve", json={"by": "a"}).status_code == 200
    again = client.post("/api/tocsin/v1/incidents/2/resolve", json={"by": "a"})
    assert again.status_code == 409
    assert "resolved" in again.json()["error"]
    ack = client.post("/api/tocsin/v1/incidents/2/ack", json={"by": "a"})
    assert ack.status_code == 409
    assert ack.json()["error"] == "incident aaaaaaaaaaa2 is resolved: it cannot be acknowledged"


def test_a_required_comment_is_422(store: IncidentStore, clock: FakeClock) -> None:
    with TestClient(build_app(store, clock, require_resolve_comment=True)) as client:
        answer = client.post("/api/tocsin/v1/incidents/3/resolve", json={"by": "a"})
        assert answer.status_code == 422
        assert answer.json()["error"].startswith("comment:")
        good = client.post(
            "/api/tocsin/v1/incidents/3/resolve", json={"by": "a", "comment": "expected"}
        )
        assert good.status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "by: required"),
        ({"by": ""}, "by: String should have at least 1 character"),
        ({"by": 42}, "by: Input should be a valid string"),
        ({"by": "a", "comment": ["x"]}, "comment: Input should be a valid string"),
        ({"by": "a", "note": "x"}, "note: unknown field"),
        ([], "body: expected a JSON object"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(
    client: TestClient, body: object, message: str
) -> None:
    answer = client.post("/api/tocsin/v1/incidents/1/ack", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"error": message}


def test_a_body_that_is_not_json_is_400(client: TestClient) -> None:
    answer = client.post("/api/tocsin/v1/incidents/1/ack", content=b"{by")
    assert answer.status_code == 400
    assert answer.json() == {"error": "body: not valid JSON"}


def test_without_the_service_the_routes_answer_503(store: IncidentStore, clock: FakeClock) -> None:
    with TestClient(build_app(store, clock, services=False)) as client:
        answer = client.get("/api/tocsin/v1/incidents")
        assert answer.status_code == 503
        assert answer.json() == {"error": "incidents are not available yet"}
        assert client.post("/api/tocsin/v1/incidents/1/ack", json={"by": "a"}).status_code == 503
