"""What every scenario of the suite is made of, and what the runner hands to it.

A scenario writes the configuration of a fresh server, drives that server (already started
and ready) through a :class:`RunContext`, and returns an :class:`Outcome`: flat metrics, plus
the problems that make the run a failure and the warnings that do not. Its :class:`Row`\\ s say
which metrics the table shows and which direction is better.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from rich.console import Console

from bench._load import LoadResult, run_load
from bench._procfs import tree_stats
from bench._server import Notification, Sink, StartedServer

__all__ = [
    "BenchError",
    "Options",
    "Outcome",
    "Row",
    "RunContext",
    "Scenario",
    "ScenarioKind",
    "load_problems",
]

Better = Literal["higher", "lower"]


class BenchError(RuntimeError):
    """A run could not be completed (a wait timed out, a server answered nonsense)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a metric, how to print it, and which way is better."""

    key: str
    label: str
    fmt: str = "{:,.0f}"
    better: Better | None = None
    expect: str | int | None = None
    """The value this one must equal: another metric's key, or a constant."""


@dataclass(slots=True)
class Outcome:
    metrics: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """What makes the run a failure (a count that is wrong, requests that failed)."""
    warnings: list[str] = field(default_factory=list)
    """What the reader should know without it being a failure."""
    notes: dict[str, str] = field(default_factory=dict)
    """Text shown instead of a metric that has no value, e.g. why it has none."""


@dataclass(frozen=True, slots=True)
class Options:
    """Settings shared by every scenario."""

    batch: int = 100
    concurrency: int = 8
    timeout: float = 300.0
    ready_timeout: float = 60.0
    settle: float = 2.0
    client: str = "raw"
    uvloop: bool = True
    seed: int = 1


class RunContext:
    """One fresh server under test, the sink path its notifications go to, and helpers."""

    def __init__(
        self, server: StartedServer, sink: Sink, path: str, options: Options, console: Console
    ) -> None:
        self.server = server
        self.sink = sink
        self.path = path
        self.options = options
        self.console = console
        self._received: list[Notification] = []
        self._cpu_of_killed = 0.0

    def log(self, message: str) -> None:
        self.console.log(f"[bold]{self.server.spec.name}[/] {message}")

    def notifications(self) -> list[Notification]:
        """Every notification the sink received for this run so far, in arrival order."""
        self._received += self.sink.notifications(self.path, start=len(self._received))
        return list(self._received)

    def wait_notifications(
        self, done: Callable[[list[Notification]], bool], timeout: float, poll: float = 0.1
    ) -> tuple[bool, list[Notification]]:
        """Poll the sink until ``done(notifications)`` or ``timeout`` s; (done?, notifications)."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.notifications()
            if done(received):
                return True, received
            if time.monotonic() > deadline:
                return False, received
            time.sleep(poll)

    def post(self, bodies: tuple[bytes, ...], sizes: tuple[int, ...]) -> LoadResult:
        """POST the bodies to ``/api/v2/alerts`` from ``options.concurrency`` connections."""
        opts = self.options
        return run_load(
            host="127.0.0.1",
            port=self.server.port,
            bodies=bodies,
            sizes=sizes,
            concurrency=opts.concurrency,
            timeout=opts.timeout,
            client=opts.client,
            use_uvloop=opts.uvloop,
        )

    def server_cpu(self) -> float:
        """CPU seconds used by the server's process tree, killed incarnations included."""
        return tree_stats(self.server.pid).cpu_seconds + self._cpu_of_killed

    def kill_and_restart(self) -> float:
        """kill -9 the server's process group, start it on the same data dir and port.

        The seconds from the new start until ``GET /-/ready`` answered 200.
        """
        self._cpu_of_killed += tree_stats(self.server.pid).cpu_seconds
        self.server.kill()
        return self.server.start(self.options.ready_timeout, port=self.server.port)


def load_problems(load: LoadResult, what: str) -> list[str]:
    """The failures of a bulk POST, as problems."""
    if not load.failures and not load.not_sent:
        return []
    detail = f": {load.errors[0]}" if load.errors else ""
    return [f"{what}: {load.failures} failed requests, {load.not_sent} not sent{detail}"]


class Scenario(Protocol):
    name: ClassVar[str]
    rows: ClassVar[tuple[Row, ...]]

    def params(self) -> dict[str, Any]:
        """The sizes and timers of the scenario, for the JSON report."""
        ...

    def describe(self) -> str:
        """The sizes in a few words, for the title of the table."""
        ...

    def config(self, sink_url: str) -> str:
        """The server's configuration: every route to a webhook receiver at ``sink_url``."""
        ...

    def run(self, ctx: RunContext) -> Outcome: ...


@dataclass(frozen=True, slots=True)
class ScenarioKind:
    """How the suite finds a scenario: its flags and its constructor."""

    name: str
    add_arguments: Callable[[argparse._ArgumentGroup], None]
    from_args: Callable[[argparse.Namespace], Scenario]
