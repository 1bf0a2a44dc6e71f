"""The silence API, differentially: the same requests to Alertmanager 0.25 and to tocsin.

Every silence of a case carries the matcher ``case="{case}"`` and every listing filters on
it (``GET /api/v2/silences?filter=…`` finds silences holding an identical matcher), so the
cases share one pair of servers per module. Silence ids are compared as ``id-1``, ``id-2``…
in order of appearance (see ``tests/support/differential.py``); ``{id-1}`` in a request
stands for that side's own id.

Run against Alertmanager alone with ``TOCSIN_DIFFERENTIAL_SIDES=alertmanager``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.differential import (
    ALERTMANAGER,
    TOCSIN,
    Pair,
    Step,
    format_time,
    running_pair,
)

pytestmark = pytest.mark.external

SILENCES = "/api/v2/silences"
ALERTS = "/api/v2/alerts"
CASE_FILTER = 'case="{case}"'
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with running_pair() as servers:
        yield servers


def m(name: str, value: str, *, regex: bool = False, equal: bool | None = None) -> dict[str, Any]:
    """A silence matcher; ``equal=None`` leaves ``isEqual`` out (it defaults to true)."""
    out: dict[str, Any] = {"name": name, "value": value, "isRegex": regex}
    if equal is not None:
        out["isEqual"] = equal
    return out


CASE_MATCHER = m("case", "{case}")


def silence(
    *matchers: dict[str, Any],
    starts: str | None = "{now-1m}",
    ends: str | None = "{now+1h}",
    omit: tuple[str, ...] = (),
    **fields: Any,
) -> dict[str, Any]:
    """A silence of this case (its first matcher is ``case="{case}"``)."""
    body: dict[str, Any] = {
        "matchers": [CASE_MATCHER, *matchers],
        "startsAt": starts,
        "endsAt": ends,
        "createdBy": "differential",
        "comment": "test",
        **fields,
    }
    return {k: v for k, v in body.items() if k not in omit and v is not None}


def post(body: Any, expect: Any = 200) -> Step:
    return Step("POST", SILENCES, json=body, expect=expect)


def post_raw(content: str, expect: Any) -> Step:
    return Step("POST", SILENCES, content=content, expect=expect)


def listing(*filters: str, expect: Any = 200) -> Step:
    return Step("GET", SILENCES, params={"filter": [CASE_FILTER, *filters]}, expect=expect)


def get_one(ref: str, expect: Any = 200) -> Step:
    return Step("GET", f"/api/v2/silence/{ref}", expect=expect)


def expire(ref: str, expect: Any = 200, compare: bool = True) -> Step:
    return Step("DELETE", f"/api/v2/silence/{ref}", expect=expect, compare=compare)


def post_alerts(*alerts: dict[str, Any]) -> Step:
    return Step("POST", ALERTS, json=list(alerts))


def alert(name: str, **labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": name, "case": "{case}", **labels}}


def alerts(*filters: str, **params: str) -> Step:
    query: dict[str, str | list[str]] = {"filter": [CASE_FILTER, *filters], **params}
    return Step("GET", ALERTS, params=query)


def case(name: str, *steps: Step, marks: Any = ()) -> Any:
    return pytest.param(list(steps), id=name, marks=marks)


# --- POST /api/v2/silences: new silences ----------------------------------------------------

NEW_CASES = [
    case(
        "active-start-in-past-clamped-to-now",
        post(silence(m("alertname", "A"), starts="{now-2h}")),
        get_one("{id-1}"),
        listing(),
    ),
    case(
        "pending-start-in-future",
        post(silence(m("alertname", "A"), starts="{now+1h}", ends="{now+2h}")),
        get_one("{id-1}"),
    ),
    case(
        "matcher-forms",
        post(
            silence(
                m("eq", "x", equal=True),
                m("ne", "x", equal=False),
                m("re", "a|b", regex=True),
                m("nre", "c.*", regex=True, equal=False),
                m("dflt", "y"),
                m("quote", 'say "hi" 日本'),
            )
        ),
        get_one("{id-1}"),
    ),
    case("only-case-matcher", post(silence()), get_one("{id-1}")),
    case(
        "extra-fields-ignored",
        post(silence(m("alertname", "A"), status={"state": "expired"}, updatedAt="{now-1h}")),
        get_one("{id-1}"),
    ),
]

INVALID_CASES = [
    case("no-matchers-422", post({**silence(), "matchers": []}, expect=422), listing()),
    case("matchers-missing-422", post(silence(omit=("matchers",)), expect=422)),
    case("no-comment-422", post(silence(omit=("comment",)), expect=422), listing()),
    case("no-created-by-422", post(silence(omit=("createdBy",)), expect=422), listing()),
    case("empty-comment-accepted", post(silence(comment="")), get_one("{id-1}")),
    case("no-ends-at-422", post(silence(omit=("endsAt",)), expect=422)),
    case("no-starts-at-422", post(silence(omit=("startsAt",)), expect=422)),
    case(
        "matcher-without-is-regex-422",
        post({**silence(), "matchers": [{"name": "a", "value": "b"}]}, expect=422),
    ),
    case(
        "matcher-without-name-422",
        post({**silence(), "matchers": [{"value": "b", "isRegex": False}]}, expect=422),
    ),
    case(
        "all-match-empty-eq",
        post({**silence(), "matchers": [m("a", "")]}, expect=400),
    ),
    case(
        "all-match-empty-regex",
        post({**silence(), "matchers": [m("a", ".*", regex=True), m("b", "x|", regex=True)]}, 400),
    ),
    # Alertmanager never counts a negative matcher as matching "": this one is accepted.
    case(
        "only-negative-matcher-accepted",
        post({**silence(), "matchers": [m("a", "x", equal=False)]}),
        expire("{id-1}"),
    ),
    case("ends-in-past-400", post(silence(starts="{now-2h}", ends="{now-1h}"), 400), listing()),
    case("ends-before-starts-400", post(silence(starts="{now+2h}", ends="{now+1h}"), 400)),
    case("ends-equal-starts-400", post(silence(starts="{now+1h}", ends="{now+1h}"), 400)),
    case("bad-regex-400", post(silence(m("a", "(", regex=True)), 400), listing()),
    case("bad-label-name-400", post(silence(m("1a", "b")), 400)),
    case("empty-label-name-400", post(silence(m("", "b")), 400)),
    case(
        "unparsable-time-400",
        post(silence(ends="tomorrow"), 400),
    ),
    case(
        "empty-body-422",
        post_raw("", 422),
    ),
    case(
        "bad-json-400",
        post_raw("{", 400),
    ),
    case(
        "array-body-400",
        post_raw("[]", 400),
    ),
    case("null-body", post_raw("null", 422)),
]


@pytest.mark.parametrize("steps", NEW_CASES + INVALID_CASES)
def test_post_silence(pair: Pair, request: pytest.FixtureRequest, steps: list[Step]) -> None:
    pair.session(request.node.callspec.id).run(steps)


# --- updates (POST with id) ------------------------------------------------------------------

UPDATE_CASES = [
    case(
        "pending-same-matchers-same-start-updated-in-place",
        post(
            silence(m("alertname", "U"), starts="2099-01-01T00:00:00Z", ends="2099-01-02T00:00:00Z")
        ),
        post(
            silence(
                m("alertname", "U"),
                starts="2099-01-01T00:00:00Z",
                ends="2099-01-03T00:00:00Z",
                comment="longer",
                id="{id-1}",
            )
        ),
        get_one("{id-1}"),
        listing(),
    ),
    case(
        "pending-new-start-still-future-updated-in-place",
        post(
            silence(m("alertname", "U"), starts="2099-01-01T00:00:00Z", ends="2099-01-02T00:00:00Z")
        ),
        post(
            silence(
                m("alertname", "U"),
                starts="2098-01-01T00:00:00Z",
                ends="2099-01-02T00:00:00Z",
                id="{id-1}",
            )
        ),
        listing(),
    ),
    case(
        "changed-matchers-expire-old-new-id",
        post(silence(m("alertname", "U"))),
        post(silence(m("alertname", "V"), id="{id-1}")),
        listing(),
        get_one("{id-1}"),
        get_one("{id-2}"),
    ),
    case(
        "active-changed-start-expire-old-new-id",
        post(silence(m("alertname", "U"), starts="{now-1h}")),
        post(silence(m("alertname", "U"), starts="{now-30m}", ends="{now+2h}", id="{id-1}")),
        listing(),
    ),
    case(
        "update-of-expired-creates-new",
        post(silence(m("alertname", "U"))),
        expire("{id-1}"),
        post(silence(m("alertname", "U"), ends="{now+3h}", id="{id-1}")),
        listing(),
    ),
    case(
        "pending-update-to-start-in-past-replaced",
        post(
            silence(m("alertname", "U"), starts="2099-01-01T00:00:00Z", ends="2099-01-02T00:00:00Z")
        ),
        post(
            silence(
                m("alertname", "U"), starts="{now-1h}", ends="2099-01-02T00:00:00Z", id="{id-1}"
            )
        ),
        listing(),
    ),
    case("unknown-id-404", post(silence(id=UNKNOWN_ID), 404), listing()),
    case("non-uuid-id-404", post(silence(id="not-a-uuid"), 404), listing()),
    case("empty-id-is-new", post(silence(id="")), listing()),
]


@pytest.mark.parametrize("steps", UPDATE_CASES)
def test_update_silence(pair: Pair, request: pytest.FixtureRequest, steps: list[Step]) -> None:
    pair.session(request.node.callspec.id).run(steps)


def test_active_same_matchers_same_start_updated_in_place(pair: Pair) -> None:
    """An active silence keeps its id when re-posted with the same matchers and startsAt.

    The silence starts 1.5 s in the future (so neither server clamps it), and is updated
    once it is active.
    """
    session = pair.session("active-update-in-place")
    starts = format_time(time.time() + 1.5)
    session.run([post(silence(m("alertname", "U"), starts=starts, ends="{now+1h}")), listing()])
    time.sleep(2.0)
    session.run(
        [
            listing(),
            post(silence(m("alertname", "U"), starts=starts, ends="{now+2h}", id="{id-1}")),
            listing(),
            # Ending it now is an update too (same matchers, same start): it expires in place.
            post(silence(m("alertname", "U"), starts=starts, ends="{now+2s}", id="{id-1}")),
            listing(),
        ]
    )


# --- GET /api/v2/silences -------------------------------------------------------------------

FILTER_SILENCES = [
    silence(m("severity", "crit.*", regex=True), ends="{now+1h}"),
    silence(m("severity", "critical"), ends="{now+2h}"),
    silence(m("severity", "critical", equal=False), ends="{now+3h}"),
    silence(m("team", "ops"), m("env", "prod"), ends="{now+4h}"),
]

SILENCE_FILTERS = {
    "case-only": [],
    "identical-regex-matcher": ['severity=~"crit.*"'],
    "value-not-tested-eq": ['severity="crit"'],
    "identical-eq": ['severity="critical"'],
    "identical-eq-unquoted": ["severity=critical"],
    "identical-neq": ['severity!="critical"'],
    "regex-filter-does-not-match-eq-matcher": ['severity=~"critical"'],
    "one-of-two-matchers": ['env="prod"'],
    "both-matchers": ['team="ops"', 'env="prod"'],
    "absent-label": ['zone=""'],
    "no-case-filter-other-value": ['team="dev"'],
}


@pytest.fixture(scope="module")
def filter_session(pair: Pair) -> Any:
    session = pair.session("silence-filters")
    session.run([post(body) for body in FILTER_SILENCES])
    return session


@pytest.mark.parametrize("filters", list(SILENCE_FILTERS.values()), ids=list(SILENCE_FILTERS))
def test_silence_filter(filter_session: Any, filters: list[str]) -> None:
    filter_session.run([listing(*filters)])


@pytest.mark.parametrize(
    "expr", ['severity="crit', "1a=b", 'a=~"("', "severity"], ids=["quote", "name", "regex", "op"]
)
def test_bad_silence_filter(filter_session: Any, expr: str) -> None:
    filter_session.run([listing(expr, expect=400)])


def test_silence_list_order_active_pending_expired(pair: Pair) -> None:
    """Active (by endsAt ascending), then pending (by startsAt), then expired (latest first)."""
    session = pair.session("ordering")
    session.run(
        [
            post(silence(m("n", "a3"), ends="{now+3h}")),
            post(silence(m("n", "p2"), starts="{now+2h}", ends="{now+5h}")),
            post(silence(m("n", "a1"), ends="{now+1h}")),
            post(silence(m("n", "e1"), ends="{now+4h}")),
            post(silence(m("n", "p1"), starts="{now+1h}", ends="{now+6h}")),
            post(silence(m("n", "a2"), ends="{now+2h}")),
            post(silence(m("n", "e2"), starts="{now+3h}", ends="{now+7h}")),
            expire("{id-4}"),
        ]
    )
    time.sleep(0.05)  # distinct expiry times
    replies = session.run([expire("{id-7}"), listing()])[-1]
    for side, reply in replies.items():
        names = [s["matchers"][1]["value"] for s in reply.body]
        assert names == ["a1", "a2", "a3", "p1", "p2", "e2", "e1"], side


# --- GET and DELETE /api/v2/silence/{id} ----------------------------------------------------

ONE_CASES = [
    case("get-unknown-404", get_one(UNKNOWN_ID, 404)),
    case("get-non-uuid-422", get_one("not-a-uuid", 422)),
    case("delete-non-uuid-422", expire("not-a-uuid", 422)),
    case("get-uppercase-unknown-404", get_one(UNKNOWN_ID.upper(), 404)),
    case(
        "expire-active-then-again",
        post(silence(m("alertname", "X"))),
        expire("{id-1}"),
        get_one("{id-1}"),
        expire("{id-1}"),
        get_one("{id-1}"),
        listing(),
    ),
    case(
        "expire-pending",
        post(silence(m("alertname", "X"), starts="{now+1h}", ends="{now+2h}")),
        expire("{id-1}"),
        get_one("{id-1}"),
    ),
]


@pytest.mark.parametrize("steps", ONE_CASES)
def test_get_and_delete_silence(
    pair: Pair, request: pytest.FixtureRequest, steps: list[Step]
) -> None:
    pair.session(request.node.callspec.id).run(steps)


def test_delete_unknown_silence_500_in_alertmanager_404_in_tocsin(pair: Pair) -> None:
    """The documented difference: Alertmanager answers 500 "silence not found"; tocsin 404."""
    session = pair.session("delete-unknown")
    replies = session.run([expire(UNKNOWN_ID, {ALERTMANAGER: 500, TOCSIN: 404}, compare=False)])
    if ALERTMANAGER in replies[0]:
        assert replies[0][ALERTMANAGER].body == "silence not found"


# --- the effect on alerts -------------------------------------------------------------------

EFFECT_CASES = [
    case(
        "silenced-alert-suppressed",
        post_alerts(alert("Muted", team="ops"), alert("Loud", team="ops")),
        post(silence(m("alertname", "Muted"))),
        alerts(),
        alerts(silenced="false"),
        alerts(active="false"),
        alerts(active="false", silenced="true", inhibited="false"),
        alerts('alertname="Muted"', receiver="ops\\.team\\+1"),
    ),
    case(
        "two-silences-one-alert",
        post_alerts(alert("Muted")),
        post(silence(m("alertname", "Muted"))),
        post(silence(m("alertname", "M.*", regex=True))),
        alerts(),
    ),
    case(
        "pending-silence-does-not-mute",
        post_alerts(alert("Later")),
        post(silence(m("alertname", "Later"), starts="{now+1h}", ends="{now+2h}")),
        alerts(),
        alerts(silenced="false"),
    ),
    case(
        "expired-silence-unmutes",
        post_alerts(alert("Back")),
        post(silence(m("alertname", "Back"))),
        alerts(),
        expire("{id-1}"),
        alerts(),
        alerts(silenced="false"),
    ),
    case(
        "negative-and-regex-matchers-mute",
        post_alerts(alert("N1", env="prod"), alert("N2", env="dev"), alert("N3")),
        post(silence(m("env", "dev|", regex=True, equal=False))),
        alerts(),
    ),
    case(
        "silence-matches-absent-label",
        post_alerts(alert("Z1", zone="eu"), alert("Z2")),
        post(silence(m("alertname", "Z.*", regex=True), m("zone", ""))),
        alerts(),
    ),
    case(
        "silence-before-alert",
        post(silence(m("alertname", "First"))),
        post_alerts(alert("First")),
        alerts(),
        alerts(silenced="false"),
    ),
    case(
        "changed-matchers-move-the-mute",
        post_alerts(alert("One"), alert("Two")),
        post(silence(m("alertname", "One"))),
        post(silence(m("alertname", "Two"), id="{id-1}")),
        alerts(),
    ),
]


@pytest.mark.parametrize("steps", EFFECT_CASES)
def test_silence_effect_on_alerts(
    pair: Pair, request: pytest.FixtureRequest, steps: list[Step]
) -> None:
    pair.session(request.node.callspec.id).run(steps)
