"""Differential notification scenarios: the same timed steps against two servers at once.

A :class:`Scenario` is an Alertmanager configuration and a list of steps at offsets, in
seconds, from the scenario start. :func:`run_scenario` starts the real Alertmanager and the
second side (tocsin, or a second Alertmanager), each with its own webhook sink on 127.0.0.1,
plays the steps on both sides at the same moments (one thread per side), waits
``Scenario.settle`` seconds after the last step so that late or extra notifications are
caught, and compares what the two sinks received.

Usage::

    CONFIG = '''
    route:
      receiver: hook
      group_by: [alertname]
      group_wait: 1s
      group_interval: 1s
    receivers:
      - name: hook
        webhook_configs: [{url: "{sink}hook"}]
    '''
    run_scenario(
        Scenario(
            "single_alert",
            CONFIG,
            steps=[Post(0.5, [fire(alertname="A")])],
            expect=[Expect(1.5, "hook", firing=1)],
        )
    )

In the configuration, ``{sink}`` stands for the side's sink URL, ``http://127.0.0.1:PORT/``;
receivers append a path (``{sink}ops``) so that their webhooks can be told apart. Only this
placeholder is replaced, so YAML flow mappings (``{url: ...}``) need no escaping.

Steps (see each class): :class:`Post` alerts, :class:`Resolve` them (posted again with
``endsAt`` = now), create a :class:`Silence` (its id is remembered per side under a name),
:class:`Expire` it, :class:`Reload` a new configuration, :class:`Wait` until an offset. Alert
times are written relative to the moment of the step: ``"now"``, ``"now-1h"``, ``"now+2s"``,
``"now-500ms"``.

What is compared, per group (``groupKey``, ``receiver`` and sink path) and in order of arrival:
the number of notifications and, for each, ``receiver``, ``status``, ``groupLabels``,
``commonLabels``, ``commonAnnotations``, ``truncatedAlerts``, the (status, labels) of its alerts
in order, and its arrival time within ``Scenario.tolerance`` (widened by a step's own
``tolerance`` for the notifications that arrive between that step and the next one). The
``externalURL`` and the alerts' times are ignored. Requests the sink answered with an error
(see ``Scenario.failures``) are compared too. A mismatch fails the test with both timelines
side by side.

``Scenario.expect`` optionally describes what Alertmanager sends (time, receiver, number of
firing and resolved alerts); it is checked against the Alertmanager side so that a scenario
cannot pass by sending nothing on both sides.

``TOCSIN_NOTIFY_DIFF_AGAINST`` selects the second side: ``tocsin`` (the default) or
``alertmanager`` (Alertmanager against itself, to check that a scenario is deterministic).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from tests.support.alertmanager import running_alertmanager
from tests.support.differential import format_time
from tests.support.tocsin import TocsinProcess, start_tocsin

__all__ = [
    "AGAINST_ENV",
    "ALERTMANAGER",
    "TOCSIN",
    "AlertSpec",
    "Delivery",
    "Expect",
    "Expire",
    "Post",
    "Reload",
    "Resolve",
    "Scenario",
    "Silence",
    "Step",
    "Wait",
    "against",
    "fire",
    "run_scenario",
]

ALERTMANAGER = "alertmanager"
TOCSIN = "tocsin"
AGAINST_ENV = "TOCSIN_NOTIFY_DIFF_AGAINST"

DEFAULT_TOLERANCE_S = 0.3
RELOAD_TOLERANCE_S = 0.6
"""Default widening for the notifications that follow a :class:`Reload`."""
EXPECT_SLACK_S = 0.1
"""How much further than the scenario's tolerance :class:`Expect` times may be off."""

_SINK_PLACEHOLDER = "{sink}"
_RELATIVE_RE = re.compile(r"now(?:([+-])(\d+(?:\.\d+)?)(ms|s|m|h))?")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_MATCHER_RE = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"(.*)"\s*')
_START_TIMEOUT_S = 60.0


# --- scenario description ---------------------------------------------------------------------


@dataclass(frozen=True)
class AlertSpec:
    """An alert as a step posts it; times are relative to the step (``"now-1h"``) or unset."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts: str | None = "now"
    ends: str | None = None


def fire(
    labels: Mapping[str, str] | None = None,
    *,
    annotations: Mapping[str, str] | None = None,
    starts: str | None = "now",
    ends: str | None = None,
    **more_labels: str,
) -> AlertSpec:
    """An alert starting ``starts`` (default now): ``fire(alertname="A", instance="1")``."""
    return AlertSpec({**(labels or {}), **more_labels}, dict(annotations or {}), starts, ends)


@dataclass(frozen=True)
class Post:
    """Post ``alerts`` in one request."""

    at: float
    alerts: Sequence[AlertSpec]
    tolerance: float | None = None


@dataclass(frozen=True)
class Resolve:
    """Post ``alerts`` again with ``endsAt`` = now and no ``startsAt`` (labels and
    annotations as given), the way a client resolves them."""

    at: float
    alerts: Sequence[AlertSpec]
    tolerance: float | None = None


@dataclass(frozen=True)
class Silence:
    """Create a silence from matchers such as ``'alertname="A"'`` or ``'env=~"dev.*"'``,
    starting now and ending ``ends``; its id is remembered under ``name`` per side."""

    at: float
    name: str
    matchers: Sequence[str]
    ends: str = "now+1h"
    tolerance: float | None = None


@dataclass(frozen=True)
class Expire:
    """Expire the silence remembered under ``name``."""

    at: float
    name: str
    tolerance: float | None = None


@dataclass(frozen=True)
class Reload:
    """Rewrite the configuration file (``{sink}`` replaced as at the start) and reload it.

    The notifications that arrive until the next step are compared with ``tolerance``.
    """

    at: float
    config: str
    tolerance: float | None = RELOAD_TOLERANCE_S


@dataclass(frozen=True)
class Wait:
    """Do nothing until ``at``; with ``tolerance``, widen it for what arrives afterwards."""

    at: float
    tolerance: float | None = None


Step = Post | Resolve | Silence | Expire | Reload | Wait


@dataclass(frozen=True)
class Expect:
    """A notification Alertmanager is expected to send: ``at`` seconds after the start, to
    ``receiver`` (the payload's field, regex-quoted), with so many firing and resolved alerts,
    and, when given, these ``groupLabels``."""

    at: float
    receiver: str
    firing: int = 1
    resolved: int = 0
    group: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Scenario:
    """A configuration, timed steps and what to check; see the module docstring."""

    name: str
    config: str
    steps: Sequence[Step]
    settle: float = 2.5
    """Seconds to keep listening after the last step."""
    tolerance: float = DEFAULT_TOLERANCE_S
    """Allowed difference of arrival times between the two sides, in seconds."""
    failures: Mapping[str, Sequence[int]] = field(default_factory=dict)
    """Sink path → the statuses to answer to its first requests (then 200), e.g.
    ``{"/hook": [500]}``."""
    expect: Sequence[Expect] | None = None
    """Every notification Alertmanager sends, in any order (None: not checked)."""

    @property
    def duration(self) -> float:
        return max((step.at for step in self.steps), default=0.0) + self.settle

    def tolerance_at(self, offset: float) -> float:
        """The tolerance for a notification arriving at ``offset``."""
        latest: Step | None = None
        for step in sorted(self.steps, key=lambda s: s.at):
            if step.at <= offset:
                latest = step
        if latest is None or latest.tolerance is None:
            return self.tolerance
        return max(self.tolerance, latest.tolerance)


def against() -> str:
    """The second side, from ``TOCSIN_NOTIFY_DIFF_AGAINST`` (default ``tocsin``)."""
    value = os.environ.get(AGAINST_ENV, "").strip().lower() or TOCSIN
    if value not in (TOCSIN, ALERTMANAGER):
        raise ValueError(f"{AGAINST_ENV}={value!r}: use {TOCSIN!r} or {ALERTMANAGER!r}")
    return value


# --- the webhook sink -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One POST received by a sink: when (seconds after the side's scenario start), where,
    what the sink answered, and the payload."""

    at: float
    path: str
    answered: int
    body: Mapping[str, Any]

    @property
    def key(self) -> tuple[str, str, str]:
        return (str(self.body.get("groupKey")), str(self.body.get("receiver")), self.path)

    def view(self) -> dict[str, Any]:
        """What is compared (times aside)."""
        body = self.body
        return {
            "answered": self.answered,
            "receiver": body.get("receiver"),
            "status": body.get("status"),
            "groupLabels": body.get("groupLabels"),
            "commonLabels": body.get("commonLabels"),
            "commonAnnotations": body.get("commonAnnotations"),
            "truncatedAlerts": body.get("truncatedAlerts"),
            "alerts": [
                (alert.get("status"), alert.get("labels")) for alert in body.get("alerts", [])
            ],
        }

    def counts(self) -> tuple[int, int]:
        statuses = [alert.get("status") for alert in self.body.get("alerts", [])]
        return statuses.count("firing"), statuses.count("resolved")

    def lines(self) -> list[str]:
        """A few lines describing this delivery, for failure listings."""
        view = self.view()
        head = f"{self.at:6.2f}s {view['status']}"
        if self.answered != 200:
            head += f" (sink answered {self.answered})"
        out = [head]
        out.append(f"  common {_labels(view['commonLabels'])}")
        if view["commonAnnotations"]:
            out.append(f"  annotations {_labels(view['commonAnnotations'])}")
        if view["truncatedAlerts"]:
            out.append(f"  truncated {view['truncatedAlerts']}")
        out.extend(f"  {status} {_labels(labels)}" for status, labels in view["alerts"])
        return out


def _labels(value: Any) -> str:
    if not isinstance(value, Mapping):
        return repr(value)
    return "{" + ", ".join(f"{k}={v!r}" for k, v in sorted(value.items())) + "}"


class WebhookSink:
    """An HTTP server on 127.0.0.1 recording every POST with its arrival time.

    ``failures`` maps a path to the statuses to answer to its first requests; later requests
    to that path, and all requests to other paths, are answered 200.
    """

    def __init__(self, failures: Mapping[str, Sequence[int]] | None = None) -> None:
        self._failures = {path: list(codes) for path, codes in (failures or {}).items()}
        self._lock = threading.Lock()
        self.received: list[tuple[float, str, int, dict[str, Any]]] = []
        """(``time.monotonic()``, path, status answered, payload) per request."""
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.monotonic()
                status = sink._answer(self.path)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"unparsable body": body.decode("utf-8", errors="replace")}
                with sink._lock:
                    sink.received.append((arrived, self.path, status, payload))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        class Server(http.server.ThreadingHTTPServer):
            # The default backlog of 5 drops connections when dozens of groups flush at
            # once; the senders' SYN retransmits would then arrive a second late.
            request_queue_size = 1024

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _answer(self, path: str) -> int:
        with self._lock:
            pending = self._failures.get(path)
            return pending.pop(0) if pending else 200

    def deliveries(self, start: float) -> list[Delivery]:
        with self._lock:
            received = list(self.received)
        return [Delivery(t - start, path, status, body) for t, path, status, body in received]

    def __enter__(self) -> WebhookSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


# --- the two sides ----------------------------------------------------------------------------


class _Server(Protocol):
    @property
    def url(self) -> str: ...

    def reload(self, config_text: str) -> None: ...


@dataclass
class _Tocsin:
    server: TocsinProcess
    config_path: Path

    @property
    def url(self) -> str:
        return self.server.url

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.server.log().splitlines()[-lines:])

    def reload(self, config_text: str) -> None:
        self.config_path.write_text(config_text)
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            resp = client.post(f"{self.url}/-/reload")
        if resp.status_code != 200:
            raise RuntimeError(f"tocsin refused the reload ({resp.status_code}): {resp.text}")


@contextlib.contextmanager
def _start(kind: str, config_text: str) -> Iterator[_Server]:
    if kind == ALERTMANAGER:
        with running_alertmanager(config_text) as am:
            yield am
        return
    with tempfile.TemporaryDirectory(prefix="tocsin-notify-") as tmp:
        config_path = Path(tmp) / "config.yml"
        config_path.write_text(config_text)
        server = start_tocsin(config_path, Path(tmp) / "data")
        try:
            yield _Tocsin(server, config_path)
        finally:
            server.stop()


def _render_config(template: str, sink: WebhookSink) -> str:
    return template.replace(_SINK_PLACEHOLDER, sink.url)


def _relative(text: str, now: float) -> str:
    m = _RELATIVE_RE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{text!r}: write times as now, now-1h, now+2s, now-500ms")
    offset = 0.0
    if m.group(1):
        offset = float(m.group(2)) * _UNITS[m.group(3)] * (1 if m.group(1) == "+" else -1)
    return format_time(now + offset)


def _alert_json(spec: AlertSpec, now: float, *, resolve: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"labels": dict(spec.labels)}
    if spec.annotations:
        item["annotations"] = dict(spec.annotations)
    if resolve:
        item["endsAt"] = format_time(now)
        return item
    if spec.starts is not None:
        item["startsAt"] = _relative(spec.starts, now)
    if spec.ends is not None:
        item["endsAt"] = _relative(spec.ends, now)
    return item


def _matcher_json(text: str) -> dict[str, Any]:
    m = _MATCHER_RE.fullmatch(text)
    if m is None:
        raise ValueError(f'{text!r}: write silence matchers as name="value" (=, !=, =~, !~)')
    name, op, value = m.groups()
    return {"name": name, "value": value, "isRegex": "~" in op, "isEqual": "!" not in op}


@dataclass
class _Play:
    """One side's run: its step log and what its sink received."""

    side: str
    steps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


def _sleep_until(deadline: float) -> None:
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.05))


def _play(
    scenario: Scenario,
    side: str,
    server: _Server,
    sink: WebhookSink,
    barrier: threading.Barrier,
) -> _Play:
    play = _Play(side)
    silences: dict[str, str] = {}
    with httpx.Client(base_url=server.url, timeout=10.0, trust_env=False) as client:
        try:
            barrier.wait(_START_TIMEOUT_S)
        except BaseException:
            barrier.abort()  # do not leave the other side waiting
            raise
        start = time.monotonic()
        for number, step in enumerate(sorted(scenario.steps, key=lambda s: s.at), start=1):
            _sleep_until(start + step.at)
            began = time.monotonic() - start
            try:
                done, error = _do(step, client, server, sink, silences)
            except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as exc:
                done, error = _describe(step), f"{type(exc).__name__}: {exc}"
            line = f"{began:6.2f}s {done}"
            if error:
                line += f" -> FAILED: {error}"
                play.errors.append(f"step {number} at {step.at}s: {done}: {error}")
            play.steps.append(line)
        _sleep_until(start + scenario.duration)
    play.deliveries = sorted(sink.deliveries(start), key=lambda d: d.at)
    return play


def _alert_list(alerts: Sequence[AlertSpec]) -> str:
    if len(alerts) > 4:
        return f"{len(alerts)} alerts {_labels(alerts[0].labels)} … {_labels(alerts[-1].labels)}"
    return " ".join(_labels(a.labels) for a in alerts)


def _describe(step: Step) -> str:
    match step:
        case Post(alerts=alerts):
            return "post " + _alert_list(alerts)
        case Resolve(alerts=alerts):
            return "resolve " + _alert_list(alerts)
        case Silence(name=name, matchers=matchers):
            return f"silence {name} {list(matchers)}"
        case Expire(name=name):
            return f"expire silence {name}"
        case Reload():
            return "reload"
        case Wait():
            return "wait"


def _do(
    step: Step,
    client: httpx.Client,
    server: _Server,
    sink: WebhookSink,
    silences: dict[str, str],
) -> tuple[str, str | None]:
    """Perform one step; (description, error or None)."""
    now = time.time()
    described = _describe(step)
    resp: httpx.Response | None = None
    match step:
        case Post(alerts=alerts):
            resp = client.post("/api/v2/alerts", json=[_alert_json(a, now) for a in alerts])
        case Resolve(alerts=alerts):
            body = [_alert_json(a, now, resolve=True) for a in alerts]
            resp = client.post("/api/v2/alerts", json=body)
        case Silence(name=name, matchers=matchers, ends=ends):
            resp = client.post(
                "/api/v2/silences",
                json={
                    "matchers": [_matcher_json(m) for m in matchers],
                    "startsAt": format_time(now),
                    "endsAt": _relative(ends, now),
                    "createdBy": "tocsin tests",
                    "comment": name,
                },
            )
            if resp.status_code == 200:
                silences[name] = resp.json()["silenceID"]
        case Expire(name=name):
            if name not in silences:
                return described, f"no silence {name!r} was created"
            resp = client.delete(f"/api/v2/silence/{silences[name]}")
        case Reload(config=config):
            server.reload(_render_config(config, sink))
        case Wait():
            pass
    if resp is not None and resp.status_code != 200:
        return described, f"status {resp.status_code}: {resp.text.strip()[:300]}"
    return described, None


# --- comparing --------------------------------------------------------------------------------


def _by_group(deliveries: Sequence[Delivery]) -> dict[tuple[str, str, str], list[Delivery]]:
    groups: dict[tuple[str, str, str], list[Delivery]] = {}
    for delivery in deliveries:
        groups.setdefault(delivery.key, []).append(delivery)
    return groups


def _compare(scenario: Scenario, left: _Play, right: _Play) -> list[str]:
    problems: list[str] = []
    lgroups, rgroups = _by_group(left.deliveries), _by_group(right.deliveries)
    for key in sorted(set(lgroups) | set(rgroups)):
        ours, theirs = lgroups.get(key, []), rgroups.get(key, [])
        name = _group_name(key)
        if len(ours) != len(theirs):
            problems.append(
                f"{name}: {left.side} sent {len(ours)} notification(s), "
                f"{right.side} sent {len(theirs)}"
            )
        for index, (a, b) in enumerate(zip(ours, theirs, strict=False), start=1):
            va, vb = a.view(), b.view()
            for field_name in va:
                if va[field_name] != vb[field_name]:
                    problems.append(
                        f"{name} #{index}: {field_name} differs: "
                        f"{left.side} {va[field_name]!r}, {right.side} {vb[field_name]!r}"
                    )
            tolerance = scenario.tolerance_at(min(a.at, b.at))
            if abs(a.at - b.at) > tolerance + 1e-9:
                problems.append(
                    f"{name} #{index}: arrived at {a.at:.2f}s ({left.side}) and "
                    f"{b.at:.2f}s ({right.side}), more than {tolerance}s apart"
                )
    return problems


def _check_expectations(scenario: Scenario, play: _Play) -> list[str]:
    if scenario.expect is None:
        return []
    slack = scenario.tolerance + EXPECT_SLACK_S
    unmatched = list(play.deliveries)
    problems: list[str] = []
    for expected in sorted(scenario.expect, key=lambda e: e.at):
        found = None
        for delivery in unmatched:
            body = delivery.body
            if (
                body.get("receiver") == expected.receiver
                and delivery.counts() == (expected.firing, expected.resolved)
                and abs(delivery.at - expected.at) <= max(slack, scenario.tolerance_at(delivery.at))
                and (expected.group is None or body.get("groupLabels") == dict(expected.group))
            ):
                found = delivery
                break
        if found is None:
            problems.append(f"{play.side} did not send the expected {expected}")
        else:
            unmatched.remove(found)
    problems.extend(
        f"{play.side} sent an unexpected notification to {d.body.get('receiver')!r} at "
        f"{d.at:.2f}s with {d.counts()[0]} firing, {d.counts()[1]} resolved"
        for d in unmatched
    )
    return problems


def _group_name(key: tuple[str, str, str]) -> str:
    group_key, receiver, path = key
    return f"group {group_key} receiver {receiver} ({path})"


def _columns(left: list[str], right: list[str], mark: str, width: int) -> list[str]:
    rows = []
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else ""
        b = right[index] if index < len(right) else ""
        rows.append(f"    {a:<{width}}  {mark if index == 0 else '|'}  {b}".rstrip())
    return rows


def _listing(scenario: Scenario, left: _Play, right: _Play) -> str:
    out = [f"timelines of scenario {scenario.name!r} ({left.side} | {right.side}):"]
    lgroups, rgroups = _by_group(left.deliveries), _by_group(right.deliveries)
    for key in sorted(set(lgroups) | set(rgroups)):
        out.append(f"  {_group_name(key)}")
        ours, theirs = lgroups.get(key, []), rgroups.get(key, [])
        width = max((len(line) for d in ours for line in d.lines()), default=9)
        for index in range(max(len(ours), len(theirs))):
            a = ours[index] if index < len(ours) else None
            b = theirs[index] if index < len(theirs) else None
            same = (
                a is not None
                and b is not None
                and a.view() == b.view()
                and abs(a.at - b.at) <= scenario.tolerance_at(min(a.at, b.at)) + 1e-9
            )
            out.extend(
                _columns(
                    a.lines() if a else ["(nothing)"],
                    b.lines() if b else ["(nothing)"],
                    "|" if same else "X",
                    width,
                )
            )
    if not lgroups and not rgroups:
        out.append("  (no notification on either side)")
    for play in (left, right):
        out.append(f"  steps on {play.side}:")
        out.extend(f"    {line}" for line in play.steps)
    return "\n".join(out)


# --- running ----------------------------------------------------------------------------------


def run_scenario(scenario: Scenario, second: str | None = None) -> None:
    """Play ``scenario`` on Alertmanager and on ``second`` (default: :func:`against`) at the
    same time; fail the test on any difference or unmet expectation."""
    kinds = (ALERTMANAGER, second or against())
    names = (ALERTMANAGER, f"{ALERTMANAGER}#2" if kinds[1] == ALERTMANAGER else kinds[1])
    barrier = threading.Barrier(len(kinds))
    with contextlib.ExitStack() as stack:
        sinks = [stack.enter_context(WebhookSink(scenario.failures)) for _ in kinds]
        servers = [
            stack.enter_context(_start(kind, _render_config(scenario.config, sink)))
            for kind, sink in zip(kinds, sinks, strict=True)
        ]
        with ThreadPoolExecutor(max_workers=len(kinds)) as pool:
            futures = [
                pool.submit(_play, scenario, name, server, sink, barrier)
                for name, server, sink in zip(names, servers, sinks, strict=True)
            ]
            left, right = (future.result() for future in futures)
        logs = [
            f"last lines of the {name} log:\n{server.log_tail()}"
            for name, server in zip(names, servers, strict=True)
            if isinstance(server, _Tocsin)
        ]
    problems = [*left.errors, *right.errors]
    problems += _check_expectations(scenario, left)
    problems += _compare(scenario, left, right)
    if problems:
        listing = _listing(scenario, left, right)
        pytest.fail("\n\n".join(["\n".join(problems), listing, *logs]), pytrace=False)
