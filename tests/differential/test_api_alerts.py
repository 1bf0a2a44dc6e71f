"""The alert API, differentially: the same requests to Alertmanager 0.25 and to tocsin.

Every case is a sequence of requests (``POST /api/v2/alerts`` then ``GET /api/v2/alerts``…)
sent to both servers; status codes, content types and normalised bodies must be equal (see
``tests/support/differential.py``). Each case labels its alerts ``case="<case id>"`` and
lists them with that filter, so the cases share one pair of servers per module.

Known, undocumented differences are ``xfail(strict=True)`` with the two answers in the
reason; documented ones (README, "Migrating from Alertmanager") are asserted explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from tests.support.differential import (
    ALERTMANAGER,
    TOCSIN,
    Pair,
    Step,
    running_pair,
)

pytestmark = pytest.mark.external

ALERTS = "/api/v2/alerts"
CASE_FILTER = 'case="{case}"'


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with running_pair() as servers:
        yield servers


def alert(name: str, /, **fields: Any) -> dict[str, Any]:
    """An alert of this case: ``alertname=name``, ``case={case}``, plus ``labels=…`` etc."""
    labels = {"alertname": name, "case": "{case}", **fields.pop("labels", {})}
    return {"labels": labels, **fields}


def post(*alerts: Any, expect: Any = 200) -> Step:
    return Step("POST", ALERTS, json=list(alerts), expect=expect)


def post_raw(
    content: str, expect: Any, headers: dict[str, str | None] | None = None, **kw: Any
) -> Step:
    return Step("POST", ALERTS, content=content, headers=headers, expect=expect, **kw)


def get(*filters: str, expect: Any = 200, **params: str) -> Step:
    """``GET /api/v2/alerts`` restricted to this case's alerts, plus ``filters``."""
    query: dict[str, str | list[str]] = {"filter": [CASE_FILTER, *filters], **params}
    return Step("GET", ALERTS, params=query, expect=expect)


def case(name: str, *steps: Step, marks: Any = ()) -> Any:
    return pytest.param(list(steps), id=name, marks=marks)


def _run(pair: Pair, request: pytest.FixtureRequest, steps: list[Step]) -> None:
    pair.session(request.node.callspec.id).run(steps)


# --- POST /api/v2/alerts ------------------------------------------------------------------

POST_CASES = [
    case("valid-minimal", post(alert("A")), get()),
    case(
        "valid-full",
        post(
            alert(
                "Full",
                labels={"severity": "warning", "instance": "db1:9100"},
                annotations={"summary": "Disk almost full", "runbook": "https://x/y"},
                startsAt="{now-10m}",
                endsAt="{now+1h}",
                generatorURL="http://prometheus:9090/graph?g0.expr=up",
            )
        ),
        get(),
    ),
    case("several-in-one-batch", post(alert("A"), alert("B"), alert("C")), get()),
    case("empty-array", post(), get()),
    case(
        "empty-label-values-dropped",
        post(alert("Drop", labels={"gone": "", "kept": "x"})),
        get(),
        get("gone="),
    ),
    case(
        "partially-valid-batch-keeps-valid-alerts",
        post(
            alert("Ok1"),
            {"labels": {"1a": "b", "case": "{case}"}},
            {"labels": {"only": ""}},
            alert("EndBeforeStart", startsAt="{now-1h}", endsAt="{now-2h}"),
            alert("BadAnnotation", annotations={"1x": "v"}),
            {"labels": {"case": "{case}", "bad-name": "v"}},
            alert("Ok2"),
            expect=400,
        ),
        get(),
    ),
    case("empty-label-set", post({"labels": {}}, expect=400), get()),
    case("all-label-values-empty", post({"labels": {"a": "", "b": ""}}, expect=400), get()),
    case("bad-label-name", post({"labels": {"case": "{case}", "9x": "y"}}, expect=400), get()),
    case(
        "ends-before-starts",
        post(alert("E", startsAt="{now-1h}", endsAt="{now-2h}"), expect=400),
        get(),
    ),
    case(
        "starts-in-future-without-end",
        post(alert("Future", startsAt="{now+1h}"), expect=400),
        get(),
    ),
    case("bad-annotation-name", post(alert("A", annotations={"a b": "v"}), expect=400), get()),
    case(
        "missing-labels-is-422-and-stores-nothing",
        post(alert("Stored?"), {"annotations": {"a": "b"}}, expect=422),
        get(),
    ),
    case(
        "generator-url-not-uri-is-422",
        post(alert("Gen", generatorURL="not a url"), expect=422),
        get(),
    ),
    case("json-object-not-array", post_raw('{"labels": {"a": "b"}}', 400), get()),
    case("json-string", post_raw('"alerts"', 400)),
    case("json-null-body", post_raw("null", 200)),
    case("empty-body", post_raw("", 422)),
    case("whitespace-body", post_raw("  \n", 422)),
    case(
        "truncated-json",
        post_raw('[{"labels": {"a": "b"}', 400),
    ),
    case(
        "array-of-numbers",
        post_raw("[1]", 400),
    ),
    case(
        "labels-not-an-object",
        post_raw('[{"labels": 1}]', 400),
    ),
    case("label-value-not-a-string", post_raw('[{"labels": {"a": 1}}]', 400)),
    case("starts-at-not-a-string", post_raw('[{"labels": {"a": "b"}, "startsAt": 5}]', 400)),
    case(
        "starts-at-unparsable",
        post(alert("T", startsAt="yesterday"), expect=400),
        get(),
    ),
    case(
        "go-zero-times-mean-unset",
        post(alert("Zero", startsAt="0001-01-01T00:00:00.000Z", endsAt="0001-01-01T00:00:00Z")),
        get(),
    ),
    case(
        "empty-string-times",
        post(alert("EmptyTimes", startsAt="", endsAt="")),
        get(),
    ),
    case(
        "empty-string-starts-at-is-epoch",
        post(alert("EmptyStart", startsAt="", endsAt="{now+1h}")),
        get(),
    ),
    case(
        "time-forms-space-no-zone-nanos",
        post(
            alert("Space", startsAt="2020-01-01 00:00:00", endsAt="{now+1h}"),
            alert("Nanos", startsAt="2020-01-01T00:00:00.123456789Z", endsAt="{now+1h}"),
            alert("NoFrac", startsAt="2020-01-01T00:00:00Z", endsAt="{now+1h}"),
        ),
        get(),
    ),
    case(
        "only-ends-at-given",
        post(alert("OnlyEnd", endsAt="{now+1h}")),
        get(),
    ),
    case(
        "ends-at-in-the-past-is-not-listed",
        post(alert("Past", startsAt="{now-2h}", endsAt="{now-1h}")),
        post(alert("PastOnlyEnd", endsAt="{now-1h}")),
        get(),
    ),
    case(
        "repost-changes-annotations-keeps-earliest-start",
        post(alert("Re", annotations={"summary": "one"}, startsAt="{now-10m}")),
        get(),
        post(alert("Re", annotations={"summary": "two", "extra": "x"})),
        get(),
        post(alert("Re", annotations={}, endsAt="{now+2h}")),
        get(),
    ),
    case(
        "repost-with-later-start-keeps-earliest",
        post(alert("Later", startsAt="{now-1h}", endsAt="{now+1h}")),
        post(alert("Later", startsAt="{now-30m}", endsAt="{now+1h}")),
        get(),
    ),
    case(
        "resolve-by-reposting-ends-at-now",
        post(alert("R1"), alert("R2", startsAt="{now-5m}")),
        get(),
        post(alert("R1", endsAt="{now}"), alert("R2", endsAt="{now}")),
        get(),
        get(active="true", silenced="true", inhibited="true", unprocessed="true"),
    ),
    case(
        "resolved-then-firing-again",
        post(alert("Again", startsAt="{now-10m}")),
        post(alert("Again", endsAt="{now-1m}")),
        get(),
        post(alert("Again")),
        get(),
    ),
    case("unicode-and-odd-values", post(alert("Uni", labels={"v": 'say "hi" 日本 🚨\n'})), get()),
]


@pytest.mark.parametrize("steps", POST_CASES)
def test_post_alerts(pair: Pair, request: pytest.FixtureRequest, steps: list[Step]) -> None:
    _run(pair, request, steps)


# --- Content-Type -------------------------------------------------------------------------

_ONE = '[{"labels": {"alertname": "CT", "case": "{case}"}}]'

CONTENT_TYPE_CASES = [
    case("text-plain-415", post_raw(_ONE, 415, {"content-type": "text/plain"}), get()),
    case("form-415", post_raw(_ONE, 415, {"content-type": "application/x-www-form-urlencoded"})),
    case("problem-json-415", post_raw(_ONE, 415, {"content-type": "application/problem+json"})),
    case(
        "charset-param-ok",
        post_raw(_ONE, 200, {"content-type": "application/json; charset=utf-8"}),
        get(),
    ),
    case("upper-case-ok", post_raw(_ONE, 200, {"content-type": "Application/JSON"}), get()),
    case(
        "no-content-type",
        post_raw(_ONE, 415, {"content-type": None}),
        get(),
    ),
    case(
        "empty-content-type",
        post_raw(_ONE, 415, {"content-type": ""}),
    ),
]


@pytest.mark.parametrize("steps", CONTENT_TYPE_CASES)
def test_content_types(pair: Pair, request: pytest.FixtureRequest, steps: list[Step]) -> None:
    _run(pair, request, steps)


# --- documented differences ----------------------------------------------------------------


def test_null_alert_drops_connection_in_alertmanager_tocsin_answers_400(pair: Pair) -> None:
    """README: ``[null]`` crashes Alertmanager's handler (no answer); tocsin answers 400."""
    session = pair.session("null-alert")
    replies = session.call(
        "POST", ALERTS, content="[null]", expect={ALERTMANAGER: None, TOCSIN: 400}, compare=False
    )
    if TOCSIN in replies:
        body = replies[TOCSIN].body
        assert body["code"] == 400
        assert body["message"].startswith('parsing alerts body from "" failed, because ')
    # Both still answer afterwards, with nothing stored.
    session.run([post(alert("After")), get()])


def test_trailing_bytes_ignored_by_alertmanager_refused_by_tocsin(pair: Pair) -> None:
    """README: trailing bytes after the JSON array: Alertmanager ignores them, tocsin 400."""
    session = pair.session("trailing-bytes")
    session.call(
        "POST",
        ALERTS,
        content=_ONE + " trailing",
        expect={ALERTMANAGER: 200, TOCSIN: 400},
        compare=False,
    )
    listed = session.call("GET", ALERTS, params={"filter": CASE_FILTER}, compare=False)
    if ALERTMANAGER in listed:
        assert [a["labels"]["alertname"] for a in listed[ALERTMANAGER].body] == ["CT"]
    if TOCSIN in listed:
        assert listed[TOCSIN].body == []


def test_lone_surrogate_replaced_by_alertmanager_refused_by_tocsin(pair: Pair) -> None:
    """README: a lone UTF-16 surrogate escape: Alertmanager stores U+FFFD, tocsin 400."""
    session = pair.session("surrogate")
    content = '[{"labels": {"alertname": "S", "case": "{case}", "v": "\\ud800"}}]'
    session.call(
        "POST", ALERTS, content=content, expect={ALERTMANAGER: 200, TOCSIN: 400}, compare=False
    )
    listed = session.call("GET", ALERTS, params={"filter": CASE_FILTER}, compare=False)
    if ALERTMANAGER in listed:
        assert [a["labels"]["v"] for a in listed[ALERTMANAGER].body] == ["\ufffd"]
    if TOCSIN in listed:
        assert listed[TOCSIN].body == []


def test_answer_times_are_utc_in_tocsin_offset_kept_in_alertmanager(pair: Pair) -> None:
    """README: times are answered in UTC by tocsin; Alertmanager keeps the posted offset.

    The normalised answers (same instant) are equal; the raw ones differ only there.
    """
    session = pair.session("utc-answers")
    session.run(
        [
            post(
                alert(
                    "Tz", startsAt="2020-06-01T12:00:00.5+02:00", endsAt="2099-01-01T03:00:00-03:00"
                )
            )
        ]
    )
    listed = session.call("GET", ALERTS, params={"filter": CASE_FILTER})
    raw = {side: (r.body[0]["startsAt"], r.body[0]["endsAt"]) for side, r in listed.items()}
    if ALERTMANAGER in raw:
        assert raw[ALERTMANAGER] == (
            "2020-06-01T12:00:00.500+02:00",
            "2099-01-01T03:00:00.000-03:00",
        )
    if TOCSIN in raw:
        assert raw[TOCSIN] == ("2020-06-01T10:00:00.500Z", "2099-01-01T06:00:00.000Z")


# --- GET /api/v2/alerts: filters, state flags, receivers ----------------------------------

FILTER_SET = [
    alert("Crit", labels={"severity": "critical", "team": "ops", "env": "prod"}),
    alert("Crit2", labels={"severity": "crit", "zone": "eu"}),
    alert("Warn", labels={"severity": "warning", "team": "dev", "env": "dev-1"}),
    alert("Quote", labels={"severity": "info", "msg": 'say "hi"', "team": "ops"}),
    alert("Dots", labels={"instance": "host.example.com:9100", "severity": "page"}),
    alert("Plain", labels={"env": "dev"}),
]

FILTERS = {
    "eq-unquoted": ["severity=critical"],
    "eq-quoted": ['severity="critical"'],
    "eq-spaces": [' team = "ops" '],
    "neq": ['severity!="critical"'],
    "neq-absent-matches": ['team!="ops"'],
    "re": ['severity=~"crit.*"'],
    "re-anchored": ['severity=~"crit|warn"'],
    "re-unanchored-explicit": ['severity=~".*i.*"'],
    "nre": ['env!~"dev.*"'],
    "nre-absent-matches": ['zone!~"e.*"'],
    "absent-eq-empty": ['zone=""'],
    "absent-eq-empty-unquoted": ["zone="],
    "present-neq-empty": ['zone!=""'],
    "absent-re-empty": ['zone=~""'],
    "unknown-label-eq-empty": ['nosuch=""'],
    "unknown-label-eq-value": ['nosuch="x"'],
    "quoted-escaped-quote": ['msg="say \\"hi\\""'],
    "regex-escaped-dot": ['instance=~"host\\\\.example\\\\.com:9100"'],
    "regex-unescaped-dot": ["instance=~host.example.com:.*"],
    "two-filters-and": ['team="ops"', 'severity!="info"'],
    "contradicting-filters": ['severity="critical"', 'severity="warning"'],
    "case-sensitive": ['severity="Critical"'],
    "case-insensitive-flag": ['severity=~"(?i)CRIT.*"'],
    "double-equals-is-a-value": ["severity==critical"],
}

BAD_FILTERS = {
    "no-operator": "severity",
    "bad-name": "1abc=x",
    "dash-in-name": "sev-erity=x",
    "unterminated-quote": 'severity="crit',
    "bad-regex": 'severity=~"("',
    "empty": "",
    "braces": '{severity="critical"}',
}

FLAGS = {
    "default": {},
    "active-false": {"active": "false"},
    "active-true-only": {"active": "true", "silenced": "false", "inhibited": "false"},
    "silenced-false": {"silenced": "false"},
    "inhibited-false": {"inhibited": "false"},
    "unprocessed-false": {"unprocessed": "false"},
    "unprocessed-only": {
        "active": "false",
        "silenced": "false",
        "inhibited": "false",
        "unprocessed": "true",
    },
    "all-false": {
        "active": "false",
        "silenced": "false",
        "inhibited": "false",
        "unprocessed": "false",
    },
    "active-1": {"active": "1"},
    "active-0": {"active": "0"},
    "active-TRUE": {"active": "TRUE"},
    "active-yes": {"active": "yes"},
    "active-nonsense": {"active": "nonsense"},
}

_BOOL_REASON = (
    "GET /api/v2/alerts?active={value}: Alertmanager parses booleans with go-openapi's "
    "swag.ConvertBool ({rule}) and {am}; tocsin {ours}"
)
BOOL_MISMATCHES = {
    "active-ok": (
        {"active": "ok"},
        _BOOL_REASON.format(
            value="ok",
            rule='"ok" is true',
            am="lists the active alerts",
            ours="reads false and lists []",
        ),
    ),
    "active-t": (
        {"active": "t"},
        _BOOL_REASON.format(
            value="t", rule='"t" is true', am="lists the alerts", ours="reads false: []"
        ),
    ),
    "active-enabled": (
        {"active": "enabled"},
        _BOOL_REASON.format(
            value="enabled",
            rule='"enabled" is true',
            am="lists the alerts",
            ours="reads false: []",
        ),
    ),
    "active-space-true": (
        {"active": " true"},
        _BOOL_REASON.format(
            value="%20true",
            rule="no trimming",
            am='reads " true" as false: []',
            ours="strips it, reads true and lists the alerts",
        ),
    ),
    "active-empty": (
        {"active": ""},
        _BOOL_REASON.format(
            value="(empty)",
            rule="an empty value keeps the default",
            am="uses the default true and lists the alerts",
            ours="reads false: []",
        ),
    ),
}

RECEIVERS = {
    "exact": "pager",
    "anchored-prefix-no-match": "pag",
    "alternation": "hook|pager",
    "quoted-meta": "ops\\.team\\+1",
    "unquoted-meta-no-match": "ops.team+1",
    "dot-star": ".*",
    "no-such-receiver": "nobody",
}


@pytest.fixture(scope="module")
def filter_session(pair: Pair) -> Any:
    """A session holding ``FILTER_SET`` (and an inhibition source/target pair)."""
    session = pair.session("filters")
    session.run([post(*FILTER_SET)])
    return session


def _get_case(name: str, filters: list[str], **params: str) -> Any:
    return pytest.param(filters, params, id=name)


@pytest.mark.parametrize(("filters", "params"), [_get_case(k, v) for k, v in FILTERS.items()])
def test_filter(filter_session: Any, filters: list[str], params: dict[str, str]) -> None:
    filter_session.run([get(*filters, **params)])


@pytest.mark.parametrize("expr", list(BAD_FILTERS.values()), ids=list(BAD_FILTERS))
def test_bad_filter(filter_session: Any, expr: str) -> None:
    filter_session.run([get(expr, expect=400)])


@pytest.mark.parametrize("params", list(FLAGS.values()), ids=list(FLAGS))
def test_state_flags(filter_session: Any, params: dict[str, str]) -> None:
    filter_session.run([get(**params)])


@pytest.mark.parametrize(
    "params",
    [pytest.param(p, id=k) for k, (p, _reason) in BOOL_MISMATCHES.items()],
)
def test_state_flag_boolean_parsing(filter_session: Any, params: dict[str, str]) -> None:
    filter_session.run([get(**params)])


@pytest.mark.parametrize("regex", list(RECEIVERS.values()), ids=list(RECEIVERS))
def test_receiver_filter(filter_session: Any, regex: str) -> None:
    filter_session.run([get(receiver=regex)])


@pytest.mark.parametrize("regex", ["(", "a**", "[z-a]"], ids=["paren", "repeat", "range"])
def test_bad_receiver_filter(filter_session: Any, regex: str) -> None:
    filter_session.run([get(receiver=regex, expect=400)])


INHIBITION_STEPS = [
    post(
        alert("Source", labels={"role": "source"}),
        alert("Target", labels={"role": "target"}),
        alert("Both", labels={"role": "source", "x": "1"}),
    ),
    get(),
    get(inhibited="false"),
    get(active="false"),
    get(active="false", inhibited="true", silenced="false"),
]


def test_inhibited_state_and_flags(pair: Pair) -> None:
    """An inhibited target shows ``suppressed`` and ``inhibitedBy``; the flags select it."""
    pair.session("inhibition").run(INHIBITION_STEPS)


# --- receivers and status -------------------------------------------------------------------


def test_receivers(pair: Pair) -> None:
    pair.session("receivers").call("GET", "/api/v2/receivers")


def test_status_stable_parts(pair: Pair) -> None:
    """``cluster.status`` is equal; ``config.original`` parses with the same routing names."""
    replies = pair.session("status").call("GET", "/api/v2/status", compare=False)
    views = {}
    for side, reply in replies.items():
        assert reply.content_type == "application/json", side
        body = reply.body
        assert set(body) == {"cluster", "config", "uptime", "versionInfo"}, side
        original = yaml.safe_load(body["config"]["original"])
        assert isinstance(original, dict), side
        views[side] = {
            "cluster": body["cluster"],
            "route": original["route"],
            "receivers": [r["name"] for r in original["receivers"]],
            "inhibit_rules": original.get("inhibit_rules"),
            "global.resolve_timeout": original["global"]["resolve_timeout"],
        }
        assert body["cluster"]["status"] == "disabled", side
        assert views[side]["receivers"] == ["hook", "ops.team+1", "pager"], side
    if len(views) == 2:
        assert views[ALERTMANAGER] == views[TOCSIN]


def test_unknown_path_and_method(pair: Pair) -> None:
    session = pair.session("paths")
    session.call("GET", "/api/v2/nosuch", expect=404, compare=False)
    session.call("PUT", ALERTS, content="[]", expect=405, compare=False)


def test_harness_reports_differences(pair: Pair) -> None:
    """The harness is not blind: answers that do differ (``versionInfo``) fail with a diff."""
    if not pair.both:
        pytest.skip("needs both sides")
    with pytest.raises(AssertionError, match=r"answers differ[\s\S]*versionInfo"):
        pair.session("harness").call("GET", "/api/v2/status")
