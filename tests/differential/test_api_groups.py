"""``GET /api/v2/alerts/groups``, differentially: the same alerts and silences posted to
Alertmanager 0.25 and to tocsin, the same group listings back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.differential import Pair, Step, running_pair

pytestmark = pytest.mark.external

GROUPS = "/api/v2/alerts/groups"


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with running_pair() as servers:
        yield servers


def alert(name: str, **labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": f"{name}-{{case}}", "case": "{case}", **labels}}


def groups(*filters: str, **params: str) -> Step:
    query: dict[str, str | list[str]] = {"filter": ['case="{case}"', *filters], **params}
    return Step("GET", GROUPS, params=query)


ALERTS = [
    alert("A", instance="b:1", job="node"),
    alert("A", instance="a:1", job="node"),
    alert("A", team="ops"),
    alert("B", severity="critical", team="ops"),
    alert("C", severity="page", role="source"),
    alert("D", role="target"),
]

CASES: dict[str, list[Step]] = {
    "all": [groups()],
    "receiver": [groups(receiver="pager"), groups(receiver="ops.*"), groups(receiver="nope")],
    "filter": [groups('team="ops"'), groups('alertname=~"A.*"', 'job="node"')],
    "inhibited": [groups(inhibited="false"), groups(active="false")],
    "silenced": [
        Step(
            "POST",
            "/api/v2/silences",
            json={
                "matchers": [
                    {"name": "alertname", "value": "A-{case}", "isRegex": False},
                    {"name": "case", "value": "{case}", "isRegex": False},
                ],
                "startsAt": "{now}",
                "endsAt": "{now+1h}",
                "createdBy": "t",
                "comment": "c",
            },
        ),
        groups(),
        groups(silenced="false"),
        groups(active="false", inhibited="false"),
    ],
    "bad filter": [Step("GET", GROUPS, params={"filter": "a=~("}, expect=400)],
    "bad receiver": [Step("GET", GROUPS, params={"receiver": "("}, expect=400)],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_groups_equal_alertmanagers(pair: Pair, case: str) -> None:
    session = pair.session(case.replace(" ", "-"))
    session.call("POST", "/api/v2/alerts", json=ALERTS)
    replies = session.run(CASES[case])
    if case == "all":  # the listing is not trivially empty on both sides
        for reply in replies[0].values():
            listed = [(g["receiver"]["name"], len(g["alerts"])) for g in reply.body]
            assert len(listed) >= 5, listed
