"""``tocsin alerts``, ``tocsin silences`` and ``tocsin routes --url`` against a real server.

The effects are checked through the API, not only through the command's own output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.support.ports import free_port
from tests.support.tocsin import TocsinProcess, start_tocsin
from typer.testing import CliRunner, Result

from tocsin.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TocsinProcess]:
    """One server for the module; each test uses its own alert names."""
    base = tmp_path_factory.mktemp("remote")
    config = base / "tocsin.yml"
    shutil.copy(ROOT / "examples" / "tocsin.yml", config)
    started = start_tocsin(config, base / "data")
    try:
        yield started
    finally:
        started.stop()


def tocsin(server: TocsinProcess, *args: str, env: dict[str, str] | None = None) -> Result:
    command, *rest = args
    subcommand, *options = rest
    return runner.invoke(app, [command, subcommand, "--url", server.url, *options], env=env)


def api_alerts(server: TocsinProcess, alertname: str) -> list[dict[str, object]]:
    answer = httpx.get(
        f"{server.url}/api/v2/alerts", params={"filter": f'alertname="{alertname}"'}, timeout=10
    )
    answer.raise_for_status()
    alerts: list[dict[str, object]] = answer.json()
    return alerts


def api_silence(server: TocsinProcess, silence_id: str) -> dict[str, object]:
    answer = httpx.get(f"{server.url}/api/v2/silence/{silence_id}", timeout=10)
    answer.raise_for_status()
    silence: dict[str, object] = answer.json()
    return silence


def listed_names(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return sorted(alert["labels"]["alertname"] for alert in json.loads(result.stdout))


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_alerts_add_posts_the_alert_and_list_shows_it(server: TocsinProcess) -> None:
    added = tocsin(
        server,
        "alerts",
        "add",
        "DiskFull",
        "severity=critical",
        'service="db"',
        "--annotation",
        "summary=Disk almost full [90%]",
        "--generator-url",
        "http://127.0.0.1:9090/graph",
    )
    assert added.exit_code == 0, added.output
    assert added.stdout == ""

    [alert] = api_alerts(server, "DiskFull")
    assert alert["labels"] == {"alertname": "DiskFull", "severity": "critical", "service": "db"}
    assert alert["annotations"] == {"summary": "Disk almost full [90%]"}
    assert alert["generatorURL"] == "http://127.0.0.1:9090/graph"

    table = tocsin(server, "alerts", "list", "DiskFull")
    assert table.exit_code == 0, table.output
    header, row = table.stdout.splitlines()
    assert header.split() == ["Alertname", "Starts", "At", "Summary", "State"]
    assert row.startswith("DiskFull ")
    assert "Disk almost full [90%]" in row  # printed as is, not read as markup
    assert row.split()[-1] == "active"

    listed = tocsin(server, "alerts", "list", "-o", "json", "alertname=DiskFull")
    [as_json] = json.loads(listed.stdout)
    assert as_json["fingerprint"] == alert["fingerprint"]
    assert as_json["receivers"] == [{"name": "console-urgent"}]


def test_alerts_add_takes_start_and_end(server: TocsinProcess) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    end = start + timedelta(hours=2)
    added = tocsin(
        server,
        "alerts",
        "add",
        "alertname=Timed",
        "--start",
        rfc3339(start),
        "--end",
        rfc3339(end),
    )
    assert added.exit_code == 0, added.output
    [alert] = api_alerts(server, "Timed")
    assert alert["startsAt"] == start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert alert["endsAt"] == end.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_alerts_list_filters_by_matchers_and_receiver(server: TocsinProcess) -> None:
    for labels in (
        ["FilterA", "severity=critical", "team=db"],
        ["FilterB", "severity=warning", "team=db"],
        ["FilterC", "severity=warning", "team=web"],
    ):
        assert tocsin(server, "alerts", "add", *labels).exit_code == 0

    def names(*args: str) -> list[str]:
        return listed_names(tocsin(server, "alerts", "list", "-o", "json", *args))

    assert names('alertname=~"Filter.*"') == ["FilterA", "FilterB", "FilterC"]
    assert names('alertname=~"Filter.*"', "team=db") == ["FilterA", "FilterB"]
    assert names('alertname=~"Filter.*"', 'severity!="critical"') == ["FilterB", "FilterC"]
    assert names('alertname=~"Filter.*"', 'team!~"d.*"') == ["FilterC"]
    assert names("FilterB") == ["FilterB"]  # a bare first word is the alertname
    assert names('alertname=~"Filter.*"', "--receiver", "console-urgent") == ["FilterA"]
    assert names('alertname=~"Filter.*"', "-r", "console") == ["FilterB", "FilterC"]


def test_state_flags_select_as_amtool_does(server: TocsinProcess) -> None:
    assert tocsin(server, "alerts", "add", "Muted", "service=state").exit_code == 0
    assert tocsin(server, "alerts", "add", "Loud", "service=state").exit_code == 0
    silenced = tocsin(server, "silences", "add", "--comment", "state flags", "Muted")
    assert silenced.exit_code == 0, silenced.output

    def names(*args: str) -> list[str]:
        return listed_names(tocsin(server, "alerts", "list", "-o", "json", "service=state", *args))

    assert names() == ["Loud"]  # no state flag: active alerts only
    assert names("--silenced") == ["Muted"]  # a state flag alone: that state only
    assert names("-s", "--active") == ["Loud", "Muted"]
    assert names("--no-active") == []
    assert names("--inhibited", "--unprocessed") == []

    table = tocsin(server, "alerts", "list", "-s", "Muted")
    assert table.stdout.splitlines()[1].split()[-1] == "suppressed"


def test_silences_add_list_and_expire(server: TocsinProcess) -> None:
    added = tocsin(
        server,
        "silences",
        "add",
        "--comment",
        "disk swap",
        "--author",
        "alice",
        "--duration",
        "2h",
        "DiskSwap",
        'service=~"db|cache"',
        'env!="dev"',
    )
    assert added.exit_code == 0, added.output
    silence_id = added.stdout.strip()

    silence = api_silence(server, silence_id)
    assert silence["status"] == {"state": "active"}
    assert silence["createdBy"] == "alice"
    assert silence["comment"] == "disk swap"
    assert silence["matchers"] == [
        {"name": "alertname", "value": "DiskSwap", "isRegex": False, "isEqual": True},
        {"name": "service", "value": "db|cache", "isRegex": True, "isEqual": True},
        {"name": "env", "value": "dev", "isRegex": False, "isEqual": False},
    ]
    length = datetime.fromisoformat(str(silence["endsAt"])) - datetime.fromisoformat(
        str(silence["startsAt"])
    )
    assert timedelta(hours=2) - timedelta(seconds=5) < length <= timedelta(hours=2)

    table = tocsin(server, "silences", "list", "DiskSwap")
    assert table.exit_code == 0, table.output
    header, row = table.stdout.splitlines()
    assert header.split() == ["ID", "Matchers", "Ends", "At", "Created", "By", "Comment"]
    assert row.startswith(silence_id)
    assert 'alertname="DiskSwap" service=~"db|cache" env!="dev"' in row
    assert row.split()[-3:] == ["alice", "disk", "swap"]

    as_json = tocsin(server, "silences", "list", "-o", "json", "alertname=DiskSwap")
    assert [s["id"] for s in json.loads(as_json.stdout)] == [silence_id]

    expired = tocsin(server, "silences", "expire", silence_id)
    assert expired.exit_code == 0, expired.output
    assert api_silence(server, silence_id)["status"] == {"state": "expired"}

    assert tocsin(server, "silences", "list", "-q", "DiskSwap").stdout == ""
    listed = tocsin(server, "silences", "list", "--expired", "-q", "DiskSwap")
    assert listed.stdout.split() == [silence_id]


def test_silences_add_takes_start_and_end_and_lists_pending(server: TocsinProcess) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    end = start + timedelta(minutes=30)
    added = tocsin(
        server,
        "silences",
        "add",
        "-c",
        "later",
        "--start",
        rfc3339(start),
        "--end",
        rfc3339(end),
        "Later",
    )
    assert added.exit_code == 0, added.output
    silence_id = added.stdout.strip()
    silence = api_silence(server, silence_id)
    assert silence["status"] == {"state": "pending"}
    assert silence["startsAt"] == start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert silence["endsAt"] == end.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert tocsin(server, "silences", "list", "-q", "Later").stdout.split() == [silence_id]


def test_silences_author_defaults_to_user(server: TocsinProcess) -> None:
    added = tocsin(server, "silences", "add", "-c", "who", "WhoAmI", env={"USER": "bob"})
    assert added.exit_code == 0, added.output
    assert api_silence(server, added.stdout.strip())["createdBy"] == "bob"


def test_silences_list_filters_by_matchers(server: TocsinProcess) -> None:
    ids = {}
    for name in ("PickOne", "PickTwo"):
        added = tocsin(server, "silences", "add", "-c", "pick", name, "team=pick")
        ids[name] = added.stdout.strip()
    both = tocsin(server, "silences", "list", "-q", "team=pick")
    assert sorted(both.stdout.split()) == sorted(ids.values())
    one = tocsin(server, "silences", "list", "-q", "PickTwo")
    assert one.stdout.split() == [ids["PickTwo"]]


def test_silences_expire_tries_every_id_and_reports_refusals(server: TocsinProcess) -> None:
    added = tocsin(server, "silences", "add", "-c", "expire", "ExpireMe")
    silence_id = added.stdout.strip()
    unknown = "00000000-0000-0000-0000-000000000000"
    result = tocsin(server, "silences", "expire", unknown, "not-an-id", silence_id)
    assert result.exit_code == 1
    assert f"error: {unknown}: silence not found" in result.stderr
    assert "error: not-an-id: silenceID in path must be of type uuid" in result.stderr
    assert api_silence(server, silence_id)["status"] == {"state": "expired"}


def test_server_refusals_exit_1_with_the_server_message(server: TocsinProcess) -> None:
    past = tocsin(
        server,
        "silences",
        "add",
        "-c",
        "too late",
        "--start",
        "2020-01-01T00:00:00Z",
        "--end",
        "2020-01-02T00:00:00Z",
        "Past",
    )
    assert past.exit_code == 1
    assert past.stderr.strip() == (
        "error: tocsin answered 400: Failed to create silence: end time can't be in the past"
    )
    bad_receiver = tocsin(server, "alerts", "list", "--receiver", "((")
    assert bad_receiver.exit_code == 1
    assert "failed to parse receiver param" in bad_receiver.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["alerts", "list", 'severity=~"(("'],
        ["alerts", "list", "-o", "yaml"],
        ["alerts", "add", 'severity=~"crit"'],
        ["alerts", "add", "X", "--start", "yesterday"],
        ["alerts", "add", "X", "--annotation", "no pair"],
        ["silences", "add", "X"],  # no --comment
        ["silences", "add", "-c", " ", "X"],
        ["silences", "add", "-c", "c", "--duration", "soon", "X"],
        ["silences", "add", "-c", "c", "--duration", "0s", "X"],
        [
            "silences",
            "add",
            "-c",
            "c",
            "--start",
            "2030-01-02T00:00Z",
            "--end",
            "2030-01-01T00:00Z",
            "X",
        ],
        ["silences", "add", "-c", "c"],  # no matcher
        ["silences", "expire"],
        ["alerts", "list", "--url", "127.0.0.1:9093"],
    ],
)
def test_usage_errors_exit_2_before_any_request(args: list[str]) -> None:
    # Nothing listens on the port: a request would exit 1, not 2.
    url = [] if "--url" in args else ["--url", f"http://127.0.0.1:{free_port()}"]
    result = runner.invoke(app, [*args, *url])
    assert result.exit_code == 2, result.output


def test_connection_refused_is_one_line_and_exit_1() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["alerts", "list", "--url", url])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"error: cannot connect to tocsin at {url}: Connection refused\n"

    process = subprocess.run(
        [sys.executable, "-m", "tocsin", "silences", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TOCSIN_URL": url},
    )
    assert process.returncode == 1
    assert process.stderr.splitlines() == [
        f"error: cannot connect to tocsin at {url}: Connection refused"
    ]


def test_tocsin_url_environment_variable_selects_the_server(server: TocsinProcess) -> None:
    added = runner.invoke(app, ["alerts", "add", "FromEnv"], env={"TOCSIN_URL": server.url})
    assert added.exit_code == 0, added.output
    assert len(api_alerts(server, "FromEnv")) == 1


def test_routes_show_and_test_read_the_running_servers_configuration(
    server: TocsinProcess,
) -> None:
    from_server = tocsin(server, "routes", "show")
    from_file = runner.invoke(app, ["routes", "show", "--config", str(server.config)])
    assert from_server.exit_code == 0, from_server.output
    assert from_server.stdout == from_file.stdout
    assert '{severity=~"critical|high"}  receiver: console-urgent' in from_server.stdout

    tested = tocsin(server, "routes", "test", "severity=high")
    assert tested.exit_code == 0, tested.output
    assert tested.stdout == "console-urgent\n"


def test_silences_add_starts_at_the_clock_tocsin_runs_on(
    server: TocsinProcess, tmp_path: Path
) -> None:
    """Without --start, "now" comes from the injected clock (a test clock when allowed)."""
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    clock_file = tmp_path / "clock"
    clock_file.write_text(later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    env = {"TOCSIN_ALLOW_TEST_CLOCK": "1", "TOCSIN_TEST_CLOCK": str(clock_file)}
    result = tocsin(
        server,
        "silences",
        "add",
        "alertname=Clocked",
        "--comment",
        "c",
        "--duration",
        "1h",
        env=env,
    )
    assert result.exit_code == 0, result.output
    silence_id = result.output.strip().splitlines()[-1]
    stored = httpx.get(f"{server.url}/api/v2/silence/{silence_id}").json()
    assert stored["startsAt"] == later.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert stored["status"]["state"] == "pending"
    refused = tocsin(
        server,
        "silences",
        "add",
        "alertname=Clocked",
        "--comment",
        "c",
        env={"TOCSIN_TEST_CLOCK": str(clock_file), "TOCSIN_ALLOW_TEST_CLOCK": ""},
    )
    assert refused.exit_code == 2
    assert "TOCSIN_ALLOW_TEST_CLOCK" in refused.output
