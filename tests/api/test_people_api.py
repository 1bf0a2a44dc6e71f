"""``/api/tocsin/v1/users``, ``/teams`` and ``/overrides`` over the real store: objects of
the config are read-only, bodies are validated (400 naming the field), sources shown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.incidents.fakes import StorePeople, build_app

from tocsin.incidents import Override
from tocsin.model import FakeClock
from tocsin.store import Database
from tocsin.store.incidents import IncidentStore

T0 = 1_800_000_000.0
ALICE: dict[str, Any] = {
    "name": "alice",
    "full_name": "Alice Martin",
    "email": "alice@example.com",
    "phone": "+14155550100",
    "slack_user_id": "U024BE7LH",
    "time_zone": "Europe/Paris",
    "contact_methods": [{"type": "sms"}, {"name": "work", "type": "email"}],
    "notification_rules": [
        {"contact": "sms", "after": "0m"},
        {"contact": "work", "after": "5m"},
    ],
}


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    store = IncidentStore(database)
    clock = FakeClock(T0)
    people = StorePeople(
        store,
        clock,
        users={"root": {"name": "root", "email": "root@example.com"}},
        teams={"ops": {"name": "ops", "members": ["root"]}},
        schedules=["primary"],
        config_overrides=[Override("cfg000000001", "primary", "root", T0, T0 + 60, "config")],
    )
    with TestClient(build_app(store, clock, people)) as client:
        yield client


def test_a_user_made_through_the_api_is_listed_with_its_source(client: TestClient) -> None:
    made = client.post("/api/tocsin/v1/users", json=ALICE)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["source"] == "api"
    assert body["phone"] == "+14155550100"
    assert body["notification_rules"][1] == {"contact": "work", "after": "5m"}
    listed = client.get("/api/tocsin/v1/users").json()["users"]
    assert [(u["name"], u["source"]) for u in listed] == [("alice", "api"), ("root", "config")]
    one = client.get("/api/tocsin/v1/users/alice").json()
    assert one["email"] == "alice@example.com"
    assert client.get("/api/tocsin/v1/users/root").json()["source"] == "config"


def test_a_user_is_deleted_once(client: TestClient) -> None:
    client.post("/api/tocsin/v1/users", json={"name": "bob"})
    assert client.delete("/api/tocsin/v1/users/bob").status_code == 204
    assert client.get("/api/tocsin/v1/users/bob").status_code == 404
    gone = client.delete("/api/tocsin/v1/users/bob")
    assert gone.status_code == 404
    assert gone.json() == {"error": "user 'bob' not found"}


def test_names_of_the_config_are_refused_with_409(client: TestClient) -> None:
    made = client.post("/api/tocsin/v1/users", json={"name": "root"})
    assert made.status_code == 409
    assert "is defined in the configuration" in made.json()["error"]
    deleted = client.delete("/api/tocsin/v1/users/root")
    assert deleted.status_code == 409
    team = client.post("/api/tocsin/v1/teams", json={"name": "ops"})
    assert team.status_code == 409
    assert client.delete("/api/tocsin/v1/teams/ops").status_code == 409


def test_a_taken_name_is_409(client: TestClient) -> None:
    assert client.post("/api/tocsin/v1/users", json={"name": "carol"}).status_code == 201
    again = client.post("/api/tocsin/v1/users", json={"name": "carol"})
    assert again.status_code == 409
    assert again.json() == {"error": "user 'carol' already exists"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": None}, "name: Input should be a valid string"),
        ({"name": "a b"}, "name: String should match pattern"),
        ({"phone": "0612345678"}, "phone: '0612345678' is not an E.164 phone number"),
        ({"email": "alice"}, "email: 'alice' is not an email address"),
        ({"time_zone": "Mars/Olympus"}, "time_zone: unknown time zone 'Mars/Olympus'"),
        ({"pager": "x"}, "pager: unknown field"),
        ({"contact_methods": [{"type": "fax"}]}, "contact_methods.0.type: Input should be"),
        (
            {"notification_rules": [{"contact": "sms", "after": "soon"}]},
            "notification_rules.0.after:",
        ),
        (
            {"notification_rules": [{"contact": "voice"}]},
            "notification_rules.0.contact: 'voice' is not one of",
        ),
        (
            {"phone": "", "contact_methods": [{"type": "sms"}], "notification_rules": []},
            "contact_methods.0.address: required for sms",
        ),
    ],
)
def test_bad_user_bodies_are_400_naming_the_field(
    client: TestClient, change: dict[str, Any], message: str
) -> None:
    answer = client.post("/api/tocsin/v1/users", json={**ALICE, **change})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message), answer.json()


def test_teams_are_made_listed_and_deleted(client: TestClient) -> None:
    client.post("/api/tocsin/v1/users", json={"name": "dave"})
    made = client.post("/api/tocsin/v1/teams", json={"name": "web", "members": ["dave", "root"]})
    assert made.status_code == 201, made.text
    teams = client.get("/api/tocsin/v1/teams").json()["teams"]
    assert [(t["name"], t["source"]) for t in teams] == [("ops", "config"), ("web", "api")]
    assert client.get("/api/tocsin/v1/teams/web").json()["members"] == ["dave", "root"]
    assert client.delete("/api/tocsin/v1/teams/web").status_code == 204
    assert client.get("/api/tocsin/v1/teams/web").status_code == 404


def test_a_team_of_unknown_users_is_422(client: TestClient) -> None:
    answer = client.post("/api/tocsin/v1/teams", json={"name": "web", "members": ["nobody"]})
    assert answer.status_code == 422
    assert answer.json() == {"error": "members.0: unknown user 'nobody'"}


def test_overrides_are_made_listed_and_deleted(client: TestClient) -> None:
    made = client.post(
        "/api/tocsin/v1/overrides",
        json={
            "schedule": "primary",
            "user": "root",
            "start": "2027-01-16T08:00:00Z",
            "end": "2027-01-16T20:00:00+01:00",
        },
    )
    assert made.status_code == 201, made.text
    override_id = made.json()["id"]
    assert made.json()["end"] == "2027-01-16T19:00:00.000Z"
    listed = client.get("/api/tocsin/v1/overrides").json()["overrides"]
    assert [(o["id"], o["source"]) for o in listed] == [
        ("cfg000000001", "config"),
        (override_id, "api"),
    ]
    assert listed[1] == {
        "id": override_id,
        "schedule": "primary",
        "user": "root",
        "start": "2027-01-16T08:00:00.000Z",
        "end": "2027-01-16T19:00:00.000Z",
        "source": "api",
    }
    assert client.delete(f"/api/tocsin/v1/overrides/{override_id}").status_code == 204
    assert client.delete(f"/api/tocsin/v1/overrides/{override_id}").status_code == 404
    assert client.delete("/api/tocsin/v1/overrides/cfg000000001").status_code == 409


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"start": "tomorrow"}, 400, "start: 'tomorrow' is not an RFC 3339 time"),
        ({"end": "2027-01-16T07:00:00Z"}, 400, "end: must be after start"),
        ({"user": ""}, 400, "user: String should have at least 1 character"),
        ({"schedule": "secondary"}, 422, "schedule: unknown schedule 'secondary'"),
        ({"user": "nobody"}, 422, "user: unknown user 'nobody'"),
    ],
)
def test_bad_overrides_are_refused_naming_the_field(
    client: TestClient, change: dict[str, str], status: int, message: str
) -> None:
    body = {
        "schedule": "primary",
        "user": "root",
        "start": "2027-01-16T08:00:00Z",
        "end": "2027-01-16T20:00:00Z",
        **change,
    }
    answer = client.post("/api/tocsin/v1/overrides", json=body)
    assert answer.status_code == status
    assert answer.json() == {"error": message}
