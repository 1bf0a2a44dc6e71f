"""``tocsin incidents`` and ``tocsin overrides`` against a real HTTP server on 127.0.0.1
(uvicorn in a thread) serving the incident and people routes over a real store."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import typer
import uvicorn
from tests.incidents.fakes import StorePeople, build_app, open_sample
from tests.support.ports import free_port
from typer.testing import CliRunner, Result

from tocsin.cli._incidents import describe_event, incidents_app, overrides_app
from tocsin.model import FakeClock
from tocsin.store import Database, sqlite_url_for
from tocsin.store.incidents import IncidentStore

T0 = 1_800_000_000.0
runner = CliRunner()
cli = typer.Typer()
cli.add_typer(incidents_app, name="incidents")
cli.add_typer(overrides_app, name="overrides")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the store's behaviour on both backends is tested in tests/store."""
    return sqlite_url_for(tmp_path / "data")


@pytest.fixture
def url(database: Database) -> Iterator[str]:
    store = IncidentStore(database)
    clock = FakeClock(T0 + 600)
    open_sample(store, "aaaaaaaaaaa1", "HighLatency", T0, severity="P1")
    open_sample(store, "aaaaaaaaaaa2", "DiskFull", T0 + 60, severity="P0", service="db")
    people = StorePeople(store, clock, users={"alice": {"name": "alice"}}, schedules=["primary"])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(store, clock, people),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def tocsin(url: str, *args: str) -> Result:
    return runner.invoke(cli, [*args, "--url", url])


def test_list_prints_a_table_and_json(url: str) -> None:
    table = tocsin(url, "incidents", "list")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["No.", "ID", "Status", "Sev"]
    assert "#2" in lines[1]
    assert "DiskFull on db" in lines[1]
    assert "P0" in lines[1]
    assert "#1" in lines[2]
    assert "HighLatency on api" in lines[2]
    as_json = tocsin(url, "incidents", "list", "-o", "json")
    assert [i["number"] for i in json.loads(as_json.stdout)] == [2, 1]
    only = tocsin(url, "incidents", "list", "--severity", "P1", "-o", "json")
    assert [i["number"] for i in json.loads(only.stdout)] == [1]


def test_ack_then_resolve_changes_the_incident_on_the_server(url: str) -> None:
    acked = tocsin(url, "incidents", "ack", "1", "--by", "alice", "--comment", "looking")
    assert acked.exit_code == 0, acked.output
    assert acked.stdout.strip() == "incident #1 acknowledged: HighLatency on api"
    listed = tocsin(url, "incidents", "list", "--status", "acknowledged", "-o", "json")
    assert [i["id"] for i in json.loads(listed.stdout)] == ["aaaaaaaaaaa1"]
    done = tocsin(url, "incidents", "resolve", "aaaaaaaaaaa1", "--by", "bob")
    assert done.exit_code == 0, done.output
    state = httpx.get(f"{url}/api/tocsin/v1/incidents/1", timeout=10).json()
    assert (state["status"], state["resolved_by"]) == ("resolved", "bob")


def test_show_prints_the_alerts_and_a_readable_timeline(url: str) -> None:
    tocsin(url, "incidents", "ack", "2", "--by", "alice", "--comment", "disk cleanup")
    shown = tocsin(url, "incidents", "show", "2")
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert out.splitlines()[0] == "#2 DiskFull on db  (aaaaaaaaaaa2)"
    assert "status: acknowledged   severity: P0   policy: web-oncall" in out
    assert "alertname=DiskFull service=db" in out
    timeline = out[out.index("Event") :].splitlines()
    assert "opened" in timeline[1]
    assert "DiskFull on db (P0, policy web-oncall)" in timeline[1]
    assert "alert fired" in timeline[2]
    assert "acknowledged" in timeline[3]
    assert "alice" in timeline[3]
    assert "disk cleanup" in timeline[3]
    as_json = json.loads(tocsin(url, "incidents", "show", "2", "-o", "json").stdout)
    assert [e["kind"] for e in as_json["timeline"]] == ["opened", "alert_fired", "acknowledged"]


def test_refusals_are_one_line_and_exit_1(url: str) -> None:
    missing = tocsin(url, "incidents", "show", "42")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "error: tocsin answered 404: incident '42' not found"
    tocsin(url, "incidents", "resolve", "1", "--by", "bob")
    twice = tocsin(url, "incidents", "resolve", "1", "--by", "bob")
    assert twice.exit_code == 1
    assert "409: incident aaaaaaaaaaa1 is resolved: it cannot be resolved" in twice.stderr


def test_ack_without_by_is_a_usage_error(url: str) -> None:
    result = tocsin(url, "incidents", "ack", "1")
    assert result.exit_code == 2


def test_overrides_add_list_delete(url: str) -> None:
    added = tocsin(
        url,
        "overrides",
        "add",
        "--schedule",
        "primary",
        "--user",
        "alice",
        "--from",
        "2027-01-16T08:00:00Z",
        "--to",
        "2027-01-16T20:00:00Z",
    )
    assert added.exit_code == 0, added.output
    override_id = added.stdout.strip()
    listed = json.loads(tocsin(url, "overrides", "list", "-o", "json").stdout)
    assert [(o["id"], o["user"], o["start"]) for o in listed] == [
        (override_id, "alice", "2027-01-16T08:00:00.000Z")
    ]
    table = tocsin(url, "overrides", "list")
    assert override_id in table.stdout
    assert "primary" in table.stdout
    deleted = tocsin(url, "overrides", "delete", override_id)
    assert deleted.exit_code == 0
    assert json.loads(tocsin(url, "overrides", "list", "-o", "json").stdout) == []
    again = tocsin(url, "overrides", "delete", override_id)
    assert again.exit_code == 1
    assert f"404: override '{override_id}' not found" in again.stderr


def test_overrides_add_checks_its_times_and_the_server_checks_the_rest(url: str) -> None:
    base = ["overrides", "add", "--schedule", "primary", "--user", "alice"]
    bad = tocsin(url, *base, "--from", "soon", "--to", "2027-01-16T20:00:00Z")
    assert bad.exit_code == 2
    backwards = tocsin(url, *base, "--from", "2027-01-16T20:00:00Z", "--to", "2027-01-16T08:00:00Z")
    assert backwards.exit_code == 2
    unknown = tocsin(
        url,
        "overrides",
        "add",
        "--schedule",
        "nope",
        "--user",
        "alice",
        "--from",
        "2027-01-16T08:00:00Z",
        "--to",
        "2027-01-16T20:00:00Z",
    )
    assert unknown.exit_code == 1
    assert "422: schedule: unknown schedule 'nope'" in unknown.stderr


def test_an_unreachable_server_is_one_line() -> None:
    result = runner.invoke(cli, ["incidents", "list", "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot connect to tocsin at")


@pytest.mark.parametrize(
    ("kind", "detail", "text"),
    [
        ("escalated", {"level": 1, "step": 2}, "level 1 step 2"),
        (
            "paged",
            {"user": "alice", "contact": "sms", "outcome": "sent"},
            "alice via sms: sent",
        ),
        (
            "page_failed",
            {"user": "bob", "contact": "voice", "outcome": "failed", "error": "busy"},
            "bob via voice: failed (busy)",
        ),
        ("ack_expired", {"acknowledged_by": "alice"}, "acknowledgement by alice expired"),
        ("gap", {"level": 2}, "level=2"),
        ("resolved", {"by": "alerts"}, ""),
    ],
)
def test_timeline_details_read_as_sentences(
    kind: str, detail: dict[str, object], text: str
) -> None:
    assert describe_event(kind, detail) == text
