"""Medians of repeated runs, ratios to the baseline server, and the one table of the suite.

Pure functions of the report (a JSON-ready dict) except :func:`render`, which prints it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench._scenario import Row

__all__ = [
    "Cell",
    "format_value",
    "median_metrics",
    "ratio",
    "ratio_names",
    "render",
    "row_dict",
    "scenario_ratios",
    "summarise",
    "table_rows",
]

Cell = tuple[str, str]
"""(text, rich style) of one table cell."""

MISSING = "—"
NOT_COMPARABLE = "n/a"


def _number(value: object) -> TypeGuard[int | float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not (isinstance(value, float) and math.isnan(value))
    )


def median_metrics(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Each metric's median over the runs that have a number for it.

    A metric no run has a number for keeps the first run's value that is not None (a dict, a
    string), or None.
    """
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(run))
    merged: dict[str, Any] = {}
    for key in keys:
        values = [run.get(key) for run in runs]
        numbers = [value for value in values if _number(value)]
        if numbers:
            middle = statistics.median(numbers)
            merged[key] = round(middle, 3) if isinstance(middle, float) else middle
        else:
            merged[key] = next((value for value in values if value is not None), None)
    return merged


def summarise(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One server's runs of one scenario: medians, every problem and warning, every run."""
    problems: list[str] = []
    warnings: list[str] = []
    notes: dict[str, str] = {}
    many = len(records) > 1
    for number, record in enumerate(records, start=1):
        prefix = f"run {number}: " if many else ""
        if record.get("error"):
            problems.append(prefix + str(record["error"]))
        problems += [prefix + text for text in record.get("problems", ())]
        warnings += [prefix + text for text in record.get("warnings", ())]
        for key, text in record.get("notes", {}).items():
            notes.setdefault(key, text)
    metrics = median_metrics([record.get("metrics", {}) for record in records])
    return {
        "ok": bool(records) and all(record.get("ok") for record in records),
        "problems": problems,
        "warnings": warnings,
        "notes": {key: text for key, text in notes.items() if metrics.get(key) is None},
        "metrics": metrics,
        "runs": list(records),
    }


def ratio(value: Any, base: Any) -> float | None:
    """``value / base``; None unless both are numbers, ``value`` >= 0 and ``base`` > 0."""
    if not _number(value) or not _number(base) or value < 0 or base <= 0:
        return None
    return round(value / base, 3)


def row_dict(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "format": row.fmt,
        "better": row.better,
        "expect": row.expect,
    }


def ratio_names(report: Mapping[str, Any]) -> list[str]:
    """``NAME/BASELINE`` for every server but the baseline, in the order they were given."""
    baseline = report["baseline"]
    return [f"{s['name']}/{baseline}" for s in report["servers"] if s["name"] != baseline]


def scenario_ratios(
    keys: Sequence[str], results: Mapping[str, Mapping[str, Any]], baseline: str
) -> dict[str, dict[str, float | None]]:
    """``{"NAME/BASELINE": {key: ratio}}`` for every server other than the baseline."""
    if baseline not in results:
        return {}
    base = results[baseline]["metrics"]
    return {
        f"{name}/{baseline}": {
            key: ratio(result["metrics"].get(key), base.get(key)) for key in keys
        }
        for name, result in results.items()
        if name != baseline
    }


def format_value(row: Mapping[str, Any], result: Mapping[str, Any]) -> Cell:
    """A server's cell: its median, the note when it has none, red with ✗ when unexpected."""
    metrics = result["metrics"]
    value = metrics.get(row["key"])
    if value is None:
        note = result.get("notes", {}).get(row["key"])
        return (note, "yellow") if note else (MISSING, "")
    fmt = row.get("format") or "{}"
    text = fmt.format(value) if _number(value) else str(value)
    expect = row.get("expect")
    expected = metrics.get(expect) if isinstance(expect, str) else expect
    if expected is not None and value != expected:
        wanted = fmt.format(expected) if _number(expected) else str(expected)
        return f"{text} ✗ (expected {wanted})", "bold red"
    return text, ""


def _ratio_cell(value: float | None, better: str | None) -> Cell:
    if value is None:
        return NOT_COMPARABLE, "dim"
    text = f"{value:.2f}×"
    if better is None or value == 1:
        return text, ""
    wins = value > 1 if better == "higher" else value < 1
    return text, "green" if wins else "red"


def table_rows(report: Mapping[str, Any]) -> list[list[Cell]]:
    """The cells of the table: scenario, metric, better, one per server, one per ratio."""
    names = [server["name"] for server in report["servers"]]
    columns = ratio_names(report)
    lines: list[list[Cell]] = []
    for scenario_name, scenario in report["scenarios"].items():
        results = scenario["results"]
        ratios = [scenario["ratios"].get(column, {}) for column in columns]
        for index, row in enumerate(scenario["rows"]):
            line: list[Cell] = [(scenario_name if index == 0 else "", "bold")]
            line += [(row["label"], ""), (row["better"] or "", "dim")]
            for name in names:
                result = results.get(name)
                line.append((MISSING, "") if result is None else format_value(row, result))
            for values in ratios:
                line.append(_ratio_cell(values.get(row["key"]), row["better"]))
            lines.append(line)
        status: list[Cell] = [("", ""), ("result", "dim"), ("", "")]
        for name in names:
            result = results.get(name)
            if result is None:
                status.append((MISSING, ""))
            elif not result["ok"]:
                status.append(("FAILED", "bold red"))
            else:
                status.append(("ok, see notes" if result["warnings"] else "ok", "green"))
        status += [("", "")] * len(ratios)
        lines.append(status)
    return lines


def render(report: Mapping[str, Any], console: Console) -> None:
    """The table, then every problem and warning."""
    names = [server["name"] for server in report["servers"]]
    table = Table(title=report["title"], caption=report["caption"], caption_justify="left")
    table.add_column("scenario")
    table.add_column("metric")
    table.add_column("better")
    for name in names:
        table.add_column(name, justify="right")
    for column in ratio_names(report):
        winner = column.split("/", 1)[0]
        table.add_column(f"{column}\n(green: {winner} better)", justify="right")
    rows = table_rows(report)
    for index, line in enumerate(rows):
        end = index + 1 < len(rows) and rows[index + 1][0][0] != ""
        table.add_row(*(Text(text, style=style) for text, style in line), end_section=end)
    console.print(table)
    for scenario_name, scenario in report["scenarios"].items():
        for name, result in scenario["results"].items():
            for problem in result["problems"]:
                console.print(Text(f"{scenario_name} {name}: {problem}", style="red"))
            for warning in result["warnings"]:
                console.print(Text(f"{scenario_name} {name}: {warning}", style="yellow"))
