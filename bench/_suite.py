"""``python -m bench``: every scenario against every server, one table, one JSON report."""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import orjson
from rich.console import Console
from rich.text import Text

from bench import ingest, latency, restart, steady, storm
from bench._load import CLIENTS
from bench._procfs import machine_cpu_seconds
from bench._report import render, row_dict, scenario_ratios, summarise
from bench._runner import run_suite
from bench._scenario import Options, Scenario, ScenarioKind
from bench._server import ServerSpec, ServerStartError, Sink, parse_server_spec

__all__ = ["KINDS", "build_report", "main"]

KINDS: dict[str, ScenarioKind] = {
    kind.name: kind for kind in (ingest.KIND, storm.KIND, latency.KIND, steady.KIND, restart.KIND)
}
DEFAULT_BASELINE = "alertmanager"
TABLE_WIDTH = 150
IDLE_CORES = 0.2


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Run each scenario against each server in turn (a fresh server per run, one at "
            "a time) and print one table with the ratios to the baseline server."
        ),
    )
    parser.add_argument(
        "--server",
        action="append",
        required=True,
        metavar="NAME=TEMPLATE",
        help="a server to start; the command template may use {config}, {port} and "
        "{datadir}; repeatable",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(KINDS),
        metavar="LIST",
        help=f"comma-separated, in this order (default: {','.join(KINDS)})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per scenario and server, servers interleaved; the table shows medians",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the report here")
    parser.add_argument(
        "--baseline",
        metavar="NAME",
        help=f"the server the others are divided by (default: {DEFAULT_BASELINE} if given, "
        "else the first)",
    )
    common = parser.add_argument_group("every scenario")
    common.add_argument("--batch", type=int, default=100, help="alerts per bulk POST (100)")
    common.add_argument("--concurrency", type=int, default=8, help="connections of bulk POSTs (8)")
    common.add_argument(
        "--timeout", type=float, default=300.0, help="seconds any one phase may take (300)"
    )
    common.add_argument(
        "--ready-timeout", type=float, default=60.0, help="seconds to wait for /-/ready (60)"
    )
    common.add_argument(
        "--settle",
        type=float,
        default=2.0,
        help="seconds to keep counting notifications after the expected ones arrived (2)",
    )
    common.add_argument("--client", choices=CLIENTS, default="raw", help="bulk HTTP client")
    common.add_argument("--no-uvloop", action="store_true", help="bulk POSTs without uvloop")
    common.add_argument("--seed", type=int, default=1, help="seed of the alert generator (1)")
    common.add_argument("--keep-workdir", action="store_true", help="keep configs, data, logs")
    for kind in KINDS.values():
        kind.add_arguments(parser.add_argument_group(f"scenario {kind.name}"))
    return parser


def _parse_args(argv: Sequence[str] | None, prog: str) -> argparse.Namespace:
    parser = _parser(prog)
    args = parser.parse_args(argv)
    sizes = [value for name, value in vars(args).items() if name.endswith(("_alerts", "_groups"))]
    if min(args.batch, args.concurrency, args.repeat, *sizes) < 1:
        parser.error("sizes, --batch, --concurrency and --repeat must be at least 1")
    timings = (args.timeout, args.latency_rate, args.latency_seconds, args.steady_interval)
    if min(timings) <= 0 or min(args.settle, args.storm_group_wait, args.steady_duration) < 0:
        parser.error("rates and durations must be positive")
    args.kinds = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in args.kinds if name not in KINDS]
    if unknown or not args.kinds:
        parser.error(f"--scenarios: unknown {unknown}; choose among {', '.join(KINDS)}")
    try:
        args.specs = [parse_server_spec(text) for text in args.server]
    except ValueError as exc:
        parser.error(str(exc))
    names = [spec.name for spec in args.specs]
    if len(set(names)) != len(names):
        parser.error("--server names must be distinct")
    if args.baseline is None:
        args.baseline = DEFAULT_BASELINE if DEFAULT_BASELINE in names else names[0]
    elif args.baseline not in names:
        parser.error(f"--baseline {args.baseline}: no --server of that name")
    return args


def build_report(
    *,
    specs: Sequence[ServerSpec],
    scenarios: Sequence[Scenario],
    runs: dict[str, dict[str, list[dict[str, Any]]]],
    baseline: str,
    repeat: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The JSON report; :func:`bench._report.render` prints its table."""
    sections: dict[str, Any] = {}
    for scenario in scenarios:
        results = {name: summarise(records) for name, records in runs[scenario.name].items()}
        sections[scenario.name] = {
            "title": scenario.describe(),
            "params": scenario.params(),
            "rows": [row_dict(row) for row in scenario.rows],
            "results": results,
            "ratios": scenario_ratios([row.key for row in scenario.rows], results, baseline),
        }
    median = f"median of {repeat} runs" if repeat > 1 else "1 run"
    caption = [f"{name}: {section['title']}" for name, section in sections.items()]
    caption.append(
        "ratio = server ÷ baseline; 'better' says whether a higher or a lower value wins; "
        "✗: a count that is not what it must be; n/a: no ratio (a value missing, negative or 0)"
    )
    return {
        "bench": "suite",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "title": f"tocsin bench: {os.cpu_count()} CPUs, {median} per scenario and server",
        "caption": "\n".join(caption),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "servers": [{"name": spec.name, "template": spec.template} for spec in specs],
        "baseline": baseline,
        "repeat": repeat,
        "options": options,
        "scenarios": sections,
        "ok": all(
            result["ok"] for section in sections.values() for result in section["results"].values()
        ),
    }


def _busy_cores(seconds: float = 1.0) -> float:
    """Cores' worth of CPU the whole machine used over the next ``seconds``."""
    before = machine_cpu_seconds()[0]
    time.sleep(seconds)
    return (machine_cpu_seconds()[0] - before) / seconds


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None, prog: str = "python -m bench") -> int:
    args = _parse_args(argv, prog)
    console = Console(stderr=True)
    scenarios = [KINDS[name].from_args(args) for name in args.kinds]
    options = Options(
        batch=args.batch,
        concurrency=args.concurrency,
        timeout=args.timeout,
        ready_timeout=args.ready_timeout,
        settle=args.settle,
        client=args.client,
        uvloop=not args.no_uvloop,
        seed=args.seed,
    )
    busy = _busy_cores()
    if busy > IDLE_CORES:
        console.log(f"[yellow]the machine is not idle: {100 * busy:.0f}% of a core busy[/]")
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    sink = Sink()
    try:
        sink.start()
        runs = run_suite(
            args.specs,
            scenarios,
            repeat=args.repeat,
            sink=sink,
            options=options,
            console=console,
            keep_workdir=args.keep_workdir,
        )
    except KeyboardInterrupt:
        console.log("[red]interrupted; servers stopped[/]")
        return 130
    except ServerStartError as exc:
        console.log(Text(str(exc), style="red"))
        return 2
    finally:
        sink.stop()
        signal.signal(signal.SIGTERM, previous)
    report = build_report(
        specs=args.specs,
        scenarios=scenarios,
        runs=runs,
        baseline=args.baseline,
        repeat=args.repeat,
        options=dataclasses.asdict(options),
    )
    # Wide enough for the table when the output goes to a file or a pipe.
    render(report, Console(width=None if sys.stdout.isatty() else TABLE_WIDTH))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
        console.log(f"report written to {args.json}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
