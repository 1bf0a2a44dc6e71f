"""Differential API tests: the same requests to the real Alertmanager 0.25 and to tocsin.

Usage::

    with running_pair(CONFIG_YAML) as pair:
        session = pair.session(case="my-case")
        session.call("POST", "/api/v2/alerts", json=[{"labels": {"case": "{case}"}}])
        session.call("GET", "/api/v2/alerts", params={"filter": 'case="{case}"'})

Each :meth:`Session.call` sends one request to every running side, normalises the answers
(see :class:`Normaliser`), checks the expected status codes and compares status, content type
and body of the two sides; on a mismatch it fails with a unified diff of both answers.

Placeholders in request paths, query parameters, JSON bodies and raw bodies are replaced
per request (the same text for both sides, except silence ids):

- ``{case}``: the session's case name (use it in labels so tests do not see each other);
- ``{now}``, ``{now+90s}``, ``{now-1h}``, ``{now+2m}``: RFC 3339 times relative to the moment
  of the request (computed once per request, so both sides get the same text);
- ``{id-1}``, ``{id-2}`` …: the n-th silence id this side returned in the session.

Set ``TOCSIN_DIFFERENTIAL_SIDES=alertmanager`` (or ``tocsin``) to run the harness with one
side only: expectations are still checked, comparisons are skipped. The default is both.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.alertmanager import running_alertmanager
from tests.support.tocsin import start_tocsin

__all__ = [
    "ALERTMANAGER",
    "DIFF_CONFIG",
    "SIDES",
    "TOCSIN",
    "Normaliser",
    "Pair",
    "Reply",
    "Session",
    "Step",
    "format_time",
    "mismatch",
    "running_pair",
    "selected_sides",
]

ALERTMANAGER = "alertmanager"
TOCSIN = "tocsin"
SIDES = (ALERTMANAGER, TOCSIN)

DIFF_CONFIG = """\
global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 4h
  routes:
    - receiver: ops.team+1
      matchers: ['team="ops"']
      continue: true
    - receiver: pager
      matchers: ['severity=~"critical|page"']
inhibit_rules:
  - source_matchers: ['role="source"']
    target_matchers: ['role="target"']
    equal: [case]
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:9/
  - name: ops.team+1
    webhook_configs:
      - url: http://127.0.0.1:9/
  - name: pager
    webhook_configs:
      - url: http://127.0.0.1:9/
"""
"""Routes to three webhook receivers on a closed local port; never notifies (1 h waits)."""

RESOLVE_TIMEOUT_S = 300.0
"""``global.resolve_timeout`` of :data:`DIFF_CONFIG`."""

NOW_TOKEN = "<now>"
RESOLVE_TOKEN = "<now+resolve_timeout>"
UPDATED_TOKEN = "<updatedAt>"
DROPPED = "<connection dropped>"

_TOLERANCE_S = 1.5
_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_PLACEHOLDER_RE = re.compile(r"\{(case|now(?:[+-]\d+(?:ms|s|m|h))?|id-\d+)\}")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def selected_sides() -> tuple[str, ...]:
    """The sides to run, from ``TOCSIN_DIFFERENTIAL_SIDES`` (default: both)."""
    text = os.environ.get("TOCSIN_DIFFERENTIAL_SIDES", "").strip().lower()
    if text in ("", "both", "all"):
        return SIDES
    sides = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in sides if s not in SIDES]
    if unknown:
        raise ValueError(f"TOCSIN_DIFFERENTIAL_SIDES: unknown side(s) {unknown}; use {SIDES}")
    return sides


def format_time(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, the form both servers print."""
    dt = datetime.fromtimestamp(ts, UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond // 1000:03d}Z"


def _parse_time(text: str) -> tuple[float, str] | None:
    """(epoch seconds, the same instant printed in UTC keeping the fraction as written)."""
    m = _TIME_RE.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    zone = m.group(8)
    try:
        dt = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        dt -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    seconds = dt.timestamp() + (float(frac) if frac else 0.0)
    return seconds, f"{dt:%Y-%m-%dT%H:%M:%S}{frac}Z"


def _millis(ts: float) -> int:
    return round(ts * 1000)


# --- answers --------------------------------------------------------------------------------


@dataclass
class Reply:
    """One side's answer: ``status`` is ``None`` when the server dropped the connection."""

    side: str
    status: int | None
    content_type: str | None
    raw: bytes
    body: Any
    """The parsed JSON body, the text when it is not JSON, ``None`` when empty."""
    normalised: Any = None
    started: float = 0.0
    finished: float = 0.0

    def view(self) -> dict[str, Any]:
        """What is compared between the two sides."""
        return {
            "status": DROPPED if self.status is None else self.status,
            "content_type": self.content_type,
            "body": self.normalised,
        }


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


# --- normalising what must differ -----------------------------------------------------------


@dataclass
class Normaliser:
    """Replaces, in one side's answers, what depends on the moment or on random ids.

    - RFC 3339 times are printed in UTC (tocsin answers in UTC; Alertmanager keeps the
      offset that was posted: a documented difference), keeping the fraction as printed;
    - times the session posted explicitly are kept exactly;
    - other times within a tolerance of the session's window (first request to this
      answer) become ``<now>``, or ``<now+resolve_timeout>`` a resolve timeout later;
    - every ``updatedAt`` value becomes ``<updatedAt>``;
    - ``silencedBy`` lists are sorted after renaming (servers order them by the random ids);
    - ``inhibitedBy`` fingerprints become a token (Alertmanager picks one at random);
    - silence ids (UUIDs that the test did not write itself) become ``id-1``, ``id-2``… in
      order of appearance, per side.
    """

    resolve_timeout: float
    window_start: float
    posted_millis: set[int] = field(default_factory=set)
    literal_uuids: set[str] = field(default_factory=set)
    ids: dict[str, str] = field(default_factory=dict)

    def id_token(self, uuid: str) -> str:
        key = uuid.lower()
        if key not in self.ids:
            self.ids[key] = f"id-{len(self.ids) + 1}"
        return self.ids[key]

    def real_id(self, token: str) -> str:
        for real, tok in self.ids.items():
            if tok == token:
                return real
        raise KeyError(f"{{{token}}}: no such silence id was returned yet")

    def note_ids(self, value: Any) -> None:
        """Number the ids in ``value`` in order of appearance (before normalising)."""
        if isinstance(value, str):
            for uuid in _UUID_RE.findall(value):
                if uuid.lower() not in self.literal_uuids:
                    self.id_token(uuid)
        elif isinstance(value, list):
            for item in value:
                self.note_ids(item)
        elif isinstance(value, dict):
            for item in value.values():
                self.note_ids(item)

    def _time(self, text: str, now: float) -> str | None:
        parsed = _parse_time(text)
        if parsed is None:
            return None
        ts, utc_text = parsed
        if _millis(ts) in self.posted_millis or text.startswith("0001-01-01"):
            return utc_text
        low, high = self.window_start - _TOLERANCE_S, now + _TOLERANCE_S
        if low <= ts <= high:
            return NOW_TOKEN
        if low + self.resolve_timeout <= ts <= high + self.resolve_timeout:
            return RESOLVE_TOKEN
        return utc_text

    def _string(self, text: str, now: float) -> str:
        as_time = self._time(text, now)
        if as_time is not None:
            return as_time

        def replace(m: re.Match[str]) -> str:
            uuid = m.group(0)
            if uuid.lower() in self.literal_uuids:
                return uuid
            return self.id_token(uuid)

        return _UUID_RE.sub(replace, text)

    def normalise(self, value: Any, now: float) -> Any:
        if isinstance(value, str):
            return self._string(value, now)
        if isinstance(value, list):
            return [self.normalise(item, now) for item in value]
        if isinstance(value, dict):
            out = {
                key: (UPDATED_TOKEN if key == "updatedAt" else self.normalise(item, now))
                for key, item in value.items()
            }
            if isinstance(out.get("silencedBy"), list):
                # Ordered by the ids themselves, which are random: compare as a set.
                out["silencedBy"] = sorted(out["silencedBy"])
            if isinstance(out.get("inhibitedBy"), list):
                # Alertmanager 0.25 names one inhibiting alert, picked from a Go map (at
                # random when several inhibit): compare how many, not which.
                out["inhibitedBy"] = ["<inhibiting alert>" for _ in out["inhibitedBy"]]
            return out
        return value


def mismatch(reason: str) -> pytest.MarkDecorator:
    """``xfail(strict=True)`` for a known undocumented difference, when both sides run.

    With one side only there is nothing to compare, so the case is expected to pass.
    """
    return pytest.mark.xfail(
        condition=set(selected_sides()) == set(SIDES), reason=reason, strict=True
    )


@dataclass(frozen=True)
class Step:
    """One request of a table-driven sequence (see :meth:`Session.call` for the fields)."""

    method: str
    path: str
    json: Any = None
    content: str | None = None
    params: Mapping[str, str | Sequence[str]] | None = None
    headers: Mapping[str, str | None] | None = None
    expect: int | Mapping[str, int | None] | None = 200
    compare: bool = True


# --- sessions -------------------------------------------------------------------------------


def _relative_time(token: str, now: float) -> str:
    if token == "now":
        return format_time(now)
    m = re.fullmatch(r"now([+-])(\d+)(ms|s|m|h)", token)
    assert m is not None, token
    sign = 1 if m.group(1) == "+" else -1
    return format_time(now + sign * int(m.group(2)) * _UNITS[m.group(3)])


class Session:
    """A sequence of requests sent to every side of a :class:`Pair`; one per test case."""

    def __init__(self, pair: Pair, case: str) -> None:
        self.pair = pair
        self.case = case
        start = time.time()
        self.normalisers = {side: Normaliser(pair.resolve_timeout, start) for side in pair.clients}
        self.log: list[str] = []

    @property
    def sides(self) -> tuple[str, ...]:
        return tuple(self.pair.clients)

    def _substitute_text(self, text: str, side: str, now: float) -> str:
        def replace(m: re.Match[str]) -> str:
            token = m.group(1)
            if token == "case":
                return self.case
            if token.startswith("id-"):
                return self.normalisers[side].real_id(token)
            return _relative_time(token, now)

        return _PLACEHOLDER_RE.sub(replace, text)

    def _substitute(self, value: Any, side: str, now: float) -> Any:
        if isinstance(value, str):
            return self._substitute_text(value, side, now)
        if isinstance(value, list):
            return [self._substitute(item, side, now) for item in value]
        if isinstance(value, tuple):
            return tuple(self._substitute(item, side, now) for item in value)
        if isinstance(value, dict):
            return {
                self._substitute(k, side, now): self._substitute(v, side, now)
                for k, v in value.items()
            }
        return value

    def _note_request(self, template: Any, sent: Any) -> None:
        """Record the times and UUIDs the test wrote, to keep them exact in answers."""
        strings: list[str] = []

        def walk(value: Any, out: list[str]) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item, out)
            elif isinstance(value, dict):
                for key, item in value.items():
                    walk(key, out)
                    walk(item, out)

        walk(sent, strings)
        literal: list[str] = []
        walk(template, literal)
        for norm in self.normalisers.values():
            for text in strings:
                parsed = _parse_time(text)
                if parsed is not None:
                    norm.posted_millis.add(_millis(parsed[0]))
            for text in literal:
                for uuid in _UUID_RE.findall(text):
                    norm.literal_uuids.add(uuid.lower())

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | str | None = None,
        params: Mapping[str, str | Sequence[str]] | None = None,
        headers: Mapping[str, str | None] | None = None,
        expect: int | Mapping[str, int | None] | None = 200,
        compare: bool = True,
    ) -> dict[str, Reply]:
        """Send one request to each side; check ``expect``; compare unless ``compare`` is false.

        ``expect`` is a status for both sides, or a mapping side → status for a documented
        difference (``None``: the server drops the connection). ``json`` is sent with
        ``Content-Type: application/json``; ``content`` is sent as given (default content
        type ``application/json`` unless ``headers`` says otherwise; a header given as
        ``None`` is not sent).
        """
        now = time.time()
        merged: dict[str, str | None] = {}
        if json is not None or content is not None:
            merged["content-type"] = "application/json"
        merged.update(dict(headers or {}))
        request_headers = {k: v for k, v in merged.items() if v is not None}
        replies: dict[str, Reply] = {}
        described = ""
        for side, client in self.pair.clients.items():
            sent_path = self._substitute_text(path, side, now)
            sent_params = self._substitute(dict(params or {}), side, now)
            body: bytes | None = None
            if json is not None:
                sent_json = self._substitute(json, side, now)
                body = _dumps(sent_json)
                self._note_request((path, params, json), (sent_path, sent_params, sent_json))
            elif content is not None:
                text = content.decode("utf-8") if isinstance(content, bytes) else content
                sent_text = self._substitute_text(text, side, now)
                body = sent_text.encode("utf-8")
                self._note_request((path, params, text), (sent_path, sent_params, sent_text))
            else:
                self._note_request((path, params), (sent_path, sent_params))
            described = _describe(method, path, params, json, content)
            started = time.time()
            try:
                response = client.request(
                    method, sent_path, params=sent_params, content=body, headers=request_headers
                )
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                reply = Reply(side, None, None, b"", f"{type(exc).__name__}: {exc}")
            else:
                ctype = response.headers.get("content-type")
                reply = Reply(side, response.status_code, ctype, response.content, None)
                reply.body = _decode(response.content)
            reply.started, reply.finished = started, time.time()
            norm = self.normalisers[side]
            if reply.status is not None:
                norm.note_ids(reply.body)
                reply.normalised = norm.normalise(reply.body, reply.finished)
            replies[side] = reply
        self.log.append(described)
        self._check(described, replies, expect, compare)
        return replies

    def _check(
        self,
        described: str,
        replies: dict[str, Reply],
        expect: int | Mapping[str, int | None] | None,
        compare: bool,
    ) -> None:
        problems: list[str] = []
        for side, reply in replies.items():
            wanted = expect.get(side) if isinstance(expect, Mapping) else expect
            if reply.status != wanted:
                shown = "connection dropped" if reply.status is None else reply.status
                problems.append(
                    f"{side}: expected status {wanted}, got {shown}: {reply.raw[:500]!r}"
                )
        if compare and len(replies) == 2:
            left, right = (replies[s] for s in SIDES)
            if left.view() != right.view():
                problems.append(render_diff(left, right))
        if problems:
            first = max(0, len(self.log) - 12)
            history = "\n".join(
                f"  {i + 1}. {line}" for i, line in enumerate(self.log[first:], start=first)
            )
            raise AssertionError(
                f"case {self.case!r}, request {described}\n"
                + "\n".join(problems)
                + f"\nrequests so far:\n{history}"
            )

    def run(self, steps: Sequence[Step]) -> list[dict[str, Reply]]:
        """Send ``steps`` in order; the answers of each."""
        return [
            self.call(
                step.method,
                step.path,
                json=step.json,
                content=step.content,
                params=step.params,
                headers=step.headers,
                expect=step.expect,
                compare=step.compare,
            )
            for step in steps
        ]

    def get(self, path: str, **kwargs: Any) -> dict[str, Reply]:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> dict[str, Reply]:
        return self.call("POST", path, **kwargs)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _describe(
    method: str,
    path: str,
    params: Mapping[str, Any] | None,
    body: Any,
    content: bytes | str | None,
) -> str:
    text = f"{method} {path}"
    if params:
        text += "?" + "&".join(
            f"{k}={v}" for k, vs in params.items() for v in ([vs] if isinstance(vs, str) else vs)
        )
    if body is not None:
        shown = json.dumps(body, ensure_ascii=False)
        text += " " + (shown if len(shown) < 400 else shown[:400] + "…")
    elif content is not None:
        text += f" body={content!r}"
    return text


def render_diff(left: Reply, right: Reply) -> str:
    """A unified diff of two normalised answers, one JSON line per field."""
    a = json.dumps(left.view(), indent=2, ensure_ascii=False, sort_keys=True).splitlines()
    b = json.dumps(right.view(), indent=2, ensure_ascii=False, sort_keys=True).splitlines()
    diff = "\n".join(difflib.unified_diff(a, b, left.side, right.side, lineterm="", n=3))
    return f"answers differ (normalised):\n{diff}"


# --- the pair of servers --------------------------------------------------------------------


@dataclass
class Pair:
    """Running servers, by side name, sharing one configuration."""

    clients: dict[str, httpx.Client]
    urls: dict[str, str]
    pids: dict[str, int]
    resolve_timeout: float = RESOLVE_TIMEOUT_S

    def session(self, case: str) -> Session:
        return Session(self, case)

    @property
    def both(self) -> bool:
        return len(self.clients) == 2


@contextlib.contextmanager
def running_pair(
    config_text: str = DIFF_CONFIG,
    *,
    sides: Sequence[str] | None = None,
    resolve_timeout: float = RESOLVE_TIMEOUT_S,
) -> Iterator[Pair]:
    """Start Alertmanager and tocsin (or the selected ``sides``) with ``config_text``.

    Both listen on 127.0.0.1 and are stopped by their PIDs when the block ends.
    """
    chosen = tuple(sides) if sides is not None else selected_sides()
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        pids: dict[str, int] = {}
        if ALERTMANAGER in chosen:
            am = stack.enter_context(running_alertmanager(config_text))
            urls[ALERTMANAGER], pids[ALERTMANAGER] = am.url, am.pid
        if TOCSIN in chosen:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tocsin-diff-")))
            config_path = tmp / "config.yml"
            config_path.write_text(config_text)
            server = start_tocsin(config_path, tmp / "data")
            stack.callback(server.stop)
            urls[TOCSIN], pids[TOCSIN] = server.url, server.pid
        clients = {
            side: stack.enter_context(
                httpx.Client(base_url=urls[side], timeout=10.0, trust_env=False)
            )
            for side in SIDES
            if side in urls
        }
        yield Pair(clients, urls, pids, resolve_timeout)
