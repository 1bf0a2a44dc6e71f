"""Medians, ratios, the table and the JSON layout of the bench suite (no server needed)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from bench._report import (
    format_value,
    median_metrics,
    ratio,
    ratio_names,
    row_dict,
    scenario_ratios,
    summarise,
    table_rows,
)
from bench._scenario import Outcome, Row, RunContext
from bench._server import parse_server_spec
from bench._suite import KINDS, build_report
from bench.ingest import suite_argv
from bench.steady import REFRESH_ROWS, REFRESHED, WRITTEN, rows_written


def _record(metrics: dict[str, Any], **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ok": True,
        "error": None,
        "metrics": metrics,
        "problems": [],
        "warnings": [],
        "notes": {},
    }
    record.update(extra)
    return record


def test_median_takes_each_metric_on_its_own() -> None:
    runs = [
        {"rate": 30.0, "count": 5, "note": None, "statuses": {"200": 3}},
        {"rate": 10.0, "count": 7, "note": "x", "statuses": {"200": 4}},
        {"rate": 20.0, "count": 6, "note": None, "statuses": None},
    ]
    merged = median_metrics(runs)
    assert merged == {"rate": 20.0, "count": 6, "note": "x", "statuses": {"200": 3}}


def test_median_skips_runs_without_a_number() -> None:
    merged = median_metrics([{"t": None}, {"t": 4.0}, {"t": 2.0}, {"other": 1}])
    assert merged["t"] == 3.0
    assert merged["other"] == 1
    assert median_metrics([{"t": None}, {"t": None}]) == {"t": None}
    assert median_metrics([{"t": float("nan")}, {"t": 1.5}]) == {"t": 1.5}


def test_summarise_keeps_every_run_and_every_problem() -> None:
    runs = [
        _record({"n": 5}),
        _record({"n": 4}, ok=False, problems=["4 notifications for 5 groups"]),
        _record({"n": 5}, warnings=["busy machine"]),
    ]
    summary = summarise(runs)
    assert summary["ok"] is False
    assert summary["metrics"] == {"n": 5}
    assert summary["problems"] == ["run 2: 4 notifications for 5 groups"]
    assert summary["warnings"] == ["run 3: busy machine"]
    assert summary["runs"] == runs


def test_summarise_of_a_single_run_has_no_run_prefix() -> None:
    summary = summarise([_record({}, ok=False, error="ServerStartError: not ready")])
    assert summary["ok"] is False
    assert summary["problems"] == ["ServerStartError: not ready"]


def test_summarise_keeps_a_note_only_for_a_metric_without_value() -> None:
    runs = [
        _record({"t": None, "u": 1.0}, notes={"t": "lists 0 of 10", "u": "stale"}),
        _record({"t": None, "u": None}),
    ]
    assert summarise(runs)["notes"] == {"t": "lists 0 of 10"}


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        (30.0, 10.0, 3.0),
        (1, 3, 0.333),
        (5, 0, None),
        (0, 5, 0.0),
        (5, -1.0, None),
        (-1.0, 5, None),
        (None, 2.0, None),
        (2.0, None, None),
        (float("nan"), 1.0, None),
        (True, 1.0, None),
        ({"p50": 1}, 1.0, None),
    ],
)
def test_ratio(value: Any, base: Any, expected: float | None) -> None:
    assert ratio(value, base) == expected


def test_ratios_divide_every_server_by_the_baseline() -> None:
    results = {
        "tocsin": {"metrics": {"rate": 40.0, "t": 1.0}},
        "alertmanager": {"metrics": {"rate": 20.0, "t": None}},
        "other": {"metrics": {"rate": 10.0, "t": 2.0}},
    }
    ratios = scenario_ratios(["rate", "t"], results, "alertmanager")
    assert ratios == {
        "tocsin/alertmanager": {"rate": 2.0, "t": None},
        "other/alertmanager": {"rate": 0.5, "t": None},
    }
    assert scenario_ratios(["rate"], results, "absent") == {}


ROWS = (
    Row("rate", "alerts/s", "{:,.0f}", "higher"),
    Row("p99", "p99 (ms)", "{:.1f}", "lower"),
    Row("notifications", "notifications", expect="groups"),
    Row("during", "during", expect=0),
    Row("listed_s", "all listed (s)", "{:.2f}", "lower"),
    Row("cpu", "CPU (%)", "{:.0f}"),
)


def _report() -> dict[str, Any]:
    tocsin = summarise(
        [
            _record(
                {
                    "rate": 40_000.0,
                    "p99": 50.0,
                    "notifications": 5,
                    "groups": 5,
                    "during": 0,
                    "listed_s": 1.5,
                    "cpu": 90.0,
                }
            )
        ]
    )
    alertmanager = summarise(
        [
            _record(
                {
                    "rate": 20_000.0,
                    "p99": 100.0,
                    "notifications": 7,
                    "groups": 5,
                    "during": 0,
                    "listed_s": None,
                    "cpu": 180.0,
                },
                ok=False,
                problems=["7 notifications for 5 groups"],
                notes={"listed_s": "lists 0 of 10 (not durable)"},
            )
        ]
    )
    results = {"tocsin": tocsin, "alertmanager": alertmanager}
    return {
        "servers": [{"name": "tocsin"}, {"name": "alertmanager"}],
        "baseline": "alertmanager",
        "scenarios": {
            "storm": {
                "rows": [row_dict(row) for row in ROWS],
                "results": results,
                "ratios": scenario_ratios([row.key for row in ROWS], results, "alertmanager"),
            }
        },
    }


def test_table_has_a_line_per_metric_and_a_result_line() -> None:
    lines = table_rows(_report())
    texts = [[text for text, _ in line] for line in lines]
    assert texts == [
        ["storm", "alerts/s", "higher", "40,000", "20,000", "2.00×"],
        ["", "p99 (ms)", "lower", "50.0", "100.0", "0.50×"],
        ["", "notifications", "", "5", "7 ✗ (expected 5)", "0.71×"],
        ["", "during", "", "0", "0", "n/a"],
        ["", "all listed (s)", "lower", "1.50", "lists 0 of 10 (not durable)", "n/a"],
        ["", "CPU (%)", "", "90", "180", "0.50×"],
        ["", "result", "", "ok", "FAILED", ""],
    ]


def test_ratio_colour_says_who_is_better() -> None:
    lines = table_rows(_report())
    styles = {line[1][0]: line[-1][1] for line in lines}
    assert styles["alerts/s"] == "green"  # higher and higher is better
    assert styles["p99 (ms)"] == "green"  # lower and lower is better
    assert styles["notifications"] == ""  # no direction
    assert styles["CPU (%)"] == ""
    report = _report()
    report["baseline"] = "tocsin"
    report["servers"].reverse()
    storm = report["scenarios"]["storm"]
    storm["ratios"] = scenario_ratios([row.key for row in ROWS], storm["results"], "tocsin")
    assert ratio_names(report) == ["alertmanager/tocsin"]
    styles = {line[1][0]: line[-1][1] for line in table_rows(report)}
    assert styles["alerts/s"] == "red"
    assert styles["p99 (ms)"] == "red"


def test_cell_without_value_or_note_is_a_dash() -> None:
    row = row_dict(Row("absent", "absent"))
    assert format_value(row, {"metrics": {}, "notes": {}}) == ("—", "")


class _Fake:
    name: ClassVar[str] = "fake"
    rows: ClassVar[tuple[Row, ...]] = (Row("n", "n", expect="want"),)

    def params(self) -> dict[str, Any]:
        return {"size": 3}

    def describe(self) -> str:
        return "3 things"

    def config(self, sink_url: str) -> str:
        return ""

    def run(self, ctx: RunContext) -> Outcome:
        raise NotImplementedError


def test_report_layout() -> None:
    specs = [parse_server_spec("a=srv {port}"), parse_server_spec("alertmanager=am {port} --x")]
    runs = {
        "fake": {
            "a": [_record({"n": 3, "want": 3}), _record({"n": 3, "want": 3})],
            "alertmanager": [_record({"n": 2, "want": 3}), _record({"n": 4, "want": 3})],
        }
    }
    report = build_report(
        specs=specs,
        scenarios=[_Fake()],
        runs=runs,
        baseline="alertmanager",
        repeat=2,
        options={"batch": 1},
    )
    assert set(report) == {
        "bench",
        "when",
        "title",
        "caption",
        "machine",
        "servers",
        "baseline",
        "repeat",
        "options",
        "scenarios",
        "ok",
    }
    assert report["ok"] is True
    assert report["servers"] == [
        {"name": "a", "template": "srv {port}"},
        {"name": "alertmanager", "template": "am {port} --x"},
    ]
    fake = report["scenarios"]["fake"]
    assert set(fake) == {"title", "params", "rows", "results", "ratios"}
    assert fake["rows"] == [
        {"key": "n", "label": "n", "format": "{:,.0f}", "better": None, "expect": "want"}
    ]
    assert fake["results"]["alertmanager"]["metrics"] == {"n": 3, "want": 3}
    assert len(fake["results"]["alertmanager"]["runs"]) == 2
    assert fake["ratios"] == {"a/alertmanager": {"n": 1.0}}
    assert "median of 2 runs" in report["title"]
    assert "fake: 3 things" in report["caption"]


def test_every_scenario_is_registered_in_order() -> None:
    assert list(KINDS) == ["ingest", "storm", "latency", "steady", "restart"]


def test_ingest_shorthand_keeps_its_flags() -> None:
    argv = ["--alerts", "500", "--alerts=7", "--server", "a=x --alerts {port}", "--repeat", "3"]
    assert suite_argv(argv) == [
        "--scenarios",
        "ingest",
        "--ingest-alerts",
        "500",
        "--ingest-alerts=7",
        "--server",
        "a=x --alerts {port}",
        "--repeat",
        "3",
    ]


def test_steady_counts_rows_not_refreshes() -> None:
    before = {WRITTEN: 10.0, REFRESH_ROWS: 0.0, REFRESHED: 100.0}
    after = {WRITTEN: 12.0, REFRESH_ROWS: 5.0, REFRESHED: 60_100.0}
    total, deltas = rows_written(before, after)
    assert total == 7
    assert deltas == {WRITTEN: 2.0, REFRESH_ROWS: 5.0, REFRESHED: 60_000.0}
    older = {WRITTEN: 1.0, REFRESH_ROWS: None, REFRESHED: 3.0}
    assert rows_written(older, {WRITTEN: 1.0, REFRESH_ROWS: None, REFRESHED: 9.0})[0] == 6
    absent = dict.fromkeys((WRITTEN, REFRESH_ROWS, REFRESHED))
    assert rows_written(absent, absent)[0] is None
