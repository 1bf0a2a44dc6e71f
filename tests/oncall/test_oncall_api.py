"""The on-call HTTP handlers, on a small application."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from icalendar import Calendar
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from tests.oncall.helpers import roster_of, utc

from tocsin.api._oncall import get_oncall, get_schedule_ical, get_shifts, get_user_ical
from tocsin.api.context import ApiContext, ConfigView
from tocsin.api.metrics import Metrics
from tocsin.model import FakeClock
from tocsin.oncall import Override, Roster

SCHEDULES = """
schedules:
  - name: primary
    time_zone: America/Chicago
    layers:
      - {name: daily, participants: [alice, bob], shift: 1d, start: "2026-03-06 09:00"}
    overrides:
      - {user: dave, start: "2026-03-08T16:00:00Z", end: "2026-03-08T18:00:00Z"}
  - name: later
    layers:
      - {name: l, participants: [carol], shift: 1w, start: "2027-01-04 00:00"}
"""


def build_app(ctx: ApiContext) -> Starlette:
    def bind(handler: object) -> object:
        async def endpoint(request: Request) -> Response:
            return await handler(request, ctx)  # type: ignore[operator,no-any-return]

        return endpoint

    return Starlette(
        routes=[
            Route("/api/tocsin/v1/oncall", bind(get_oncall)),  # type: ignore[arg-type]
            Route("/api/tocsin/v1/schedules/{name}/shifts", bind(get_shifts)),  # type: ignore[arg-type]
            Route("/api/tocsin/v1/schedules/{name}.ics", bind(get_schedule_ical)),  # type: ignore[arg-type]
            Route("/api/tocsin/v1/users/{name}.ics", bind(get_user_ical)),  # type: ignore[arg-type]
        ]
    )


def make_context(clock: FakeClock, roster: Roster | None) -> ApiContext:
    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=ConfigView(0.0, [], "", {}, lambda _labels: []),
        reload=reload,
        version="test",
        started_at=0.0,
        external_url="http://127.0.0.1:9093",
        store_backend="sqlite",
    )
    if roster is not None:
        ctx.extra["roster"] = lambda: roster
    return ctx


@pytest.fixture
def client() -> Iterator[TestClient]:
    clock = FakeClock(utc("2026-03-08T17:00:00Z"))
    roster = roster_of(SCHEDULES)
    with TestClient(build_app(make_context(clock, roster))) as test_client:
        yield test_client


def test_who_is_on_call_now_and_at_a_given_time(client: TestClient) -> None:
    now = client.get("/api/tocsin/v1/oncall", params={"schedule": "primary"})
    assert now.status_code == 200
    assert now.json() == {
        "schedule": "primary",
        "user": "dave",
        "layer": None,
        "rotation_index": None,
        "override": {
            "id": "config-0",
            "user": "dave",
            "start": "2026-03-08T16:00:00.000Z",
            "end": "2026-03-08T18:00:00.000Z",
        },
        "since": "2026-03-08T16:00:00.000Z",
        "until": "2026-03-08T18:00:00.000Z",
    }
    earlier = client.get(
        "/api/tocsin/v1/oncall", params={"schedule": "primary", "at": "2026-03-08T10:00:00Z"}
    ).json()
    assert (earlier["user"], earlier["layer"], earlier["override"]) == ("bob", "daily", None)
    assert (earlier["since"], earlier["until"]) == (
        "2026-03-07T15:00:00.000Z",
        "2026-03-08T14:00:00.000Z",
    )


def test_without_a_schedule_every_schedule_is_answered(client: TestClient) -> None:
    answers = client.get("/api/tocsin/v1/oncall").json()
    assert [(a["schedule"], a["user"], a["until"]) for a in answers] == [
        ("primary", "dave", "2026-03-08T18:00:00.000Z"),
        ("later", None, "2027-01-04T00:00:00.000Z"),
    ]


def test_shifts_of_a_schedule(client: TestClient) -> None:
    answer = client.get(
        "/api/tocsin/v1/schedules/primary/shifts",
        params={"from": "2026-03-08T12:00:00Z", "to": "2026-03-09T00:00:00Z"},
    )
    assert answer.status_code == 200
    assert [(s["user"], s["start"], s["end"], s["layer"]) for s in answer.json()] == [
        ("bob", "2026-03-08T12:00:00.000Z", "2026-03-08T14:00:00.000Z", "daily"),
        ("alice", "2026-03-08T14:00:00.000Z", "2026-03-08T16:00:00.000Z", "daily"),
        ("dave", "2026-03-08T16:00:00.000Z", "2026-03-08T18:00:00.000Z", None),
        ("alice", "2026-03-08T18:00:00.000Z", "2026-03-09T00:00:00.000Z", "daily"),
    ]
    default = client.get("/api/tocsin/v1/schedules/primary/shifts").json()
    assert default[0]["start"] == "2026-03-08T17:00:00.000Z"  # from now
    assert default[-1]["end"] == "2026-03-15T17:00:00.000Z"  # for seven days


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/tocsin/v1/oncall", {"schedule": "nope"}, 404, 'unknown schedule "nope"'),
        ("/api/tocsin/v1/oncall", {"at": "noon"}, 400, "at: 'noon' is not an RFC 3339 time"),
        ("/api/tocsin/v1/schedules/nope/shifts", {}, 404, 'unknown schedule "nope"'),
        (
            "/api/tocsin/v1/schedules/primary/shifts",
            {"from": "2026-13-01T00:00:00Z"},
            400,
            "from: '2026-13-01T00:00:00Z' is not an RFC 3339 time",
        ),
        (
            "/api/tocsin/v1/schedules/primary/shifts",
            {"from": "2026-03-08T00:00:00Z", "to": "2026-03-07T00:00:00Z"},
            400,
            "to: must be after from",
        ),
        (
            "/api/tocsin/v1/schedules/primary/shifts",
            {"from": "2026-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z"},
            400,
            "to: the range is limited to 366 days",
        ),
        ("/api/tocsin/v1/schedules/nope.ics", {}, 404, 'unknown schedule "nope"'),
        ("/api/tocsin/v1/users/zed.ics", {}, 404, 'unknown user "zed"'),
        ("/api/tocsin/v1/users/alice.ics", {"to": "x"}, 400, "to: 'x' is not an RFC 3339 time"),
    ],
)
def test_bad_requests_name_what_is_wrong(
    client: TestClient, path: str, params: dict[str, str], status: int, message: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status
    assert answer.json() == {"code": status, "message": message}


def test_calendar_feeds(client: TestClient) -> None:
    feed = client.get(
        "/api/tocsin/v1/schedules/primary.ics",
        params={"from": "2026-03-08T15:00:00Z", "to": "2026-03-08T17:00:00Z"},
    )
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        "On call: primary (alice)",
        "On call: primary (dave)",
    ]
    mine = client.get("/api/tocsin/v1/users/dave.ics")
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(mine.content).walk("VEVENT")] == [
        "On call: primary (dave)"
    ]


def test_the_roster_is_read_at_each_request_and_may_be_missing() -> None:
    clock = FakeClock(utc("2026-03-08T12:00:00Z"))
    ctx = make_context(clock, None)
    with TestClient(build_app(ctx)) as client:
        assert client.get("/api/tocsin/v1/oncall").status_code == 503
        roster = roster_of(SCHEDULES)
        ctx.extra["roster"] = lambda: roster
        assert client.get("/api/tocsin/v1/oncall?schedule=primary").json()["user"] == "bob"
        extra = Override(
            "primary", "erin", utc("2026-03-08T11:00:00Z"), utc("2026-03-08T13:00:00Z"), "api-7"
        )
        ctx.extra["roster"] = lambda: roster.with_overrides([extra])
        answer = client.get("/api/tocsin/v1/oncall?schedule=primary").json()
        assert (answer["user"], answer["override"]["id"]) == ("erin", "api-7")
