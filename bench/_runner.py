"""Running scenarios: one fresh server per run, one server at a time, servers interleaved.

Each run gets a new work directory (configuration, data directory, server log), a free
port, and a path of its own on the webhook sink, so that nothing a previous server sent can
be counted. The server is stopped (its whole process group) whatever happens.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.text import Text

from bench._procfs import machine_cpu_seconds, tree_stats
from bench._scenario import BenchError, Options, RunContext, Scenario
from bench._server import ServerSpec, ServerStartError, Sink, StartedServer

__all__ = ["OTHER_CPU_WARNING", "run_once", "run_suite"]

OTHER_CPU_WARNING = 20.0
"""% of one core used by processes other than the server, the bench and the sink."""
MIN_WATCHED_SECONDS = 1.0
"""Shorter runs are too short to tell other processes' CPU apart."""


class _CpuWatch:
    """CPU used during a run by the machine, and by the processes the bench knows."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.started = time.monotonic()
        self.machine = machine_cpu_seconds()[0]
        self.own = time.process_time() + tree_stats(ctx.sink.pid).cpu_seconds
        self.server = ctx.server_cpu()

    def other_pct(self) -> float | None:
        elapsed = time.monotonic() - self.started
        if elapsed < MIN_WATCHED_SECONDS:
            return None
        machine = machine_cpu_seconds()[0] - self.machine
        own = time.process_time() + tree_stats(self.ctx.sink.pid).cpu_seconds - self.own
        server = self.ctx.server_cpu() - self.server
        return round(100 * (machine - own - server) / elapsed, 1)


def run_once(
    spec: ServerSpec,
    scenario: Scenario,
    *,
    sink: Sink,
    options: Options,
    console: Console,
    run_id: int,
    keep_workdir: bool = False,
) -> dict[str, Any]:
    """One run of ``scenario`` against a fresh server started from ``spec``."""
    path = f"/runs/{run_id}"
    workdir = Path(tempfile.mkdtemp(prefix=f"tocsin-bench-{scenario.name}-{spec.name}-"))
    server = StartedServer(spec, workdir, sink.port, config_text=scenario.config(sink.url(path)))
    record: dict[str, Any] = {
        "ok": False,
        "error": None,
        "command": None,
        "ready_s": None,
        "elapsed_s": None,
        "exit_code": None,
        "other_cpu_pct": None,
        "metrics": {},
        "problems": [],
        "warnings": [],
        "notes": {},
    }
    started = time.monotonic()
    try:
        record["ready_s"] = round(server.start(options.ready_timeout), 3)
        record["command"] = server.command
        ctx = RunContext(server, sink, path, options, console)
        ctx.log(f"ready in {record['ready_s']:.2f} s (pid {server.pid}, port {server.port})")
        watch = _CpuWatch(ctx)
        outcome = scenario.run(ctx)
        other_pct = watch.other_pct()
        record.update(
            metrics=outcome.metrics,
            problems=outcome.problems,
            warnings=outcome.warnings,
            notes=outcome.notes,
            other_cpu_pct=other_pct,
        )
        if server.proc is None or server.proc.poll() is not None:
            record["problems"].append("the server exited during the run")
        if other_pct is not None and other_pct > OTHER_CPU_WARNING:
            record["warnings"].append(
                f"other processes used {other_pct:.0f}% of a core: figures disturbed"
            )
    except (ServerStartError, BenchError, httpx.HTTPError, OSError, orjson.JSONDecodeError) as exc:
        record["command"] = record["command"] or server.command
        record["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        record["exit_code"] = server.stop()
        record["elapsed_s"] = round(time.monotonic() - started, 3)
        with contextlib.suppress(httpx.HTTPError):
            sink.forget(path)
        record["ok"] = record["error"] is None and not record["problems"]
        if not record["ok"]:
            tail = server.log_tail()
            if tail:
                console.log(Text(f"{spec.name} log (last lines):\n{tail}", style="red"))
        if keep_workdir:
            console.log(f"{spec.name}: work dir kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return record


def run_suite(
    specs: Sequence[ServerSpec],
    scenarios: Sequence[Scenario],
    *,
    repeat: int,
    sink: Sink,
    options: Options,
    console: Console,
    keep_workdir: bool = False,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{scenario: {server: [run, …]}}``; servers interleaved (A B A B …) within a scenario,
    so that a drift of the machine hits every server alike."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    run_id = 0
    for scenario in scenarios:
        per_server: dict[str, list[dict[str, Any]]] = {spec.name: [] for spec in specs}
        runs[scenario.name] = per_server
        for number in range(repeat):
            for spec in specs:
                run_id += 1
                counter = f" (run {number + 1} of {repeat})" if repeat > 1 else ""
                console.rule(f"{scenario.name}: {spec.name}{counter}")
                per_server[spec.name].append(
                    run_once(
                        spec,
                        scenario,
                        sink=sink,
                        options=options,
                        console=console,
                        run_id=run_id,
                        keep_workdir=keep_workdir,
                    )
                )
    return runs
