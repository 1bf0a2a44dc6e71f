"""The incident lifecycle as pure functions: opening, joining, acknowledging, expiry,
resolution by alerts and by people, and the refusals."""

from __future__ import annotations

import pytest

from tocsin.incidents import (
    TRANSITIONS,
    Change,
    CommentRequired,
    Incident,
    InvalidTransition,
    ack_expired,
    acknowledge,
    add_comment,
    alerts_resolved,
    highest_severity,
    incident_key,
    incident_title,
    join,
    open_incident,
    record_escalation,
    resolve,
)

T0 = 1_800_000_000.0
LAT = {"alertname": "HighLatency", "service": "api", "instance": "a"}


def new(alerts: dict[str, dict[str, str]] | None = None, severity: str = "P2") -> Incident:
    change = open_incident(
        id="0123456789ab",
        route_path="/0/1",
        group_labels={"alertname": "HighLatency"},
        alerts=alerts or {"fp1": LAT},
        severity=severity,
        policy="web",
        now=T0,
        number=7,
    )
    return change.incident


def ok(result: object) -> Change:
    assert isinstance(result, Change), result
    return result


def test_opening_records_the_group_its_alerts_and_a_title() -> None:
    change = open_incident(
        id="0123456789ab",
        route_path="/0/1",
        group_labels={"alertname": "HighLatency"},
        alerts={"fp1": LAT, "fp2": {**LAT, "instance": "b"}},
        severity="P1",
        policy="web",
        now=T0,
    )
    inc = change.incident
    assert inc.status == "triggered"
    assert inc.title == "HighLatency on api"
    assert inc.key == '/0/1:{alertname="HighLatency"}'
    assert inc.severity == "P1"
    assert inc.opened_at == T0
    assert sorted(inc.alerts) == ["fp1", "fp2"]
    assert all(a.firing and a.first_seen == T0 for a in inc.alerts.values())
    assert [e.kind for e in change.events] == ["opened", "alert_fired", "alert_fired"]
    assert change.events[0].detail == {"title": inc.title, "severity": "P1", "policy": "web"}


@pytest.mark.parametrize(
    ("group", "alerts", "title"),
    [
        ({"alertname": "DiskFull"}, [{"service": "db"}, {"service": "db"}], "DiskFull on db"),
        ({"alertname": "DiskFull"}, [{"service": "db"}, {"service": "api"}], "DiskFull"),
        ({}, [{"alertname": "A", "service": "x"}], "A on x"),
        ({}, [{"alertname": "A"}, {"alertname": "B"}, {"alertname": "C"}], "A and 2 more"),
        ({"cluster": "eu"}, [{}], "Incident"),
    ],
)
def test_the_title_names_the_alert_and_the_shared_service(
    group: dict[str, str], alerts: list[dict[str, str]], title: str
) -> None:
    assert incident_title(group, alerts) == title


def test_the_key_is_the_route_and_the_sorted_group_labels() -> None:
    assert incident_key("/0", {"b": "2", "a": 'x"y'}) == '/0:{a="x\\"y", b="2"}'


def test_the_highest_severity_is_the_smallest_level() -> None:
    assert highest_severity("P2", "P0", "P3") == "P0"
    assert highest_severity("bogus") == "P3"


def test_joining_adds_new_alerts_and_raises_the_severity() -> None:
    inc = new(severity="P2")
    change = ok(join(inc, {"fp1": LAT, "fp2": {**LAT, "instance": "b"}}, "P0", T0 + 60))
    assert change.incident.severity == "P0"
    assert sorted(change.incident.alerts) == ["fp1", "fp2"]
    assert [e.kind for e in change.events] == ["alert_fired"]
    assert change.events[0].detail["fingerprint"] == "fp2"
    assert change.events[0].detail["severity"] == "P0"
    assert change.incident.alerts["fp2"].first_seen == T0 + 60


def test_joining_never_lowers_the_severity() -> None:
    inc = new(severity="P0")
    change = ok(join(inc, {"fp2": LAT}, "P3", T0 + 60))
    assert change.incident.severity == "P0"


def test_joining_already_firing_alerts_changes_nothing() -> None:
    inc = new()
    change = ok(join(inc, {"fp1": LAT}, "P2", T0 + 60))
    assert change.events == ()
    assert change.incident == inc


def test_a_resolved_alert_that_fires_again_rejoins_keeping_its_first_seen() -> None:
    inc = ok(alerts_resolved(new({"fp1": LAT, "fp2": LAT}), ["fp1"], T0 + 5)).incident
    change = ok(join(inc, {"fp1": LAT}, "P2", T0 + 10))
    assert change.incident.alerts["fp1"].firing
    assert change.incident.alerts["fp1"].first_seen == T0
    assert change.events[0].detail["again"] is True


def test_the_incident_resolves_when_its_last_alert_resolves() -> None:
    inc = new({"fp1": LAT, "fp2": LAT})
    partly = ok(alerts_resolved(inc, ["fp1", "unknown"], T0 + 5))
    assert partly.incident.status == "triggered"
    assert [e.kind for e in partly.events] == ["alert_resolved"]
    done = ok(alerts_resolved(partly.incident, ["fp2"], T0 + 9))
    assert done.incident.status == "resolved"
    assert done.incident.resolved_by == "alerts"
    assert done.incident.resolved_at == T0 + 9
    assert [e.kind for e in done.events] == ["alert_resolved", "resolved"]
    assert done.events[-1].actor == "alerts"


def test_acknowledging_records_who_and_the_comment() -> None:
    change = ok(acknowledge(new(), "alice", "looking", T0 + 30))
    inc = change.incident
    assert (inc.status, inc.acknowledged_by, inc.acknowledged_at) == (
        "acknowledged",
        "alice",
        T0 + 30,
    )
    assert change.events[0].kind == "acknowledged"
    assert change.events[0].actor == "alice"
    assert change.events[0].detail == {"comment": "looking"}


def test_acknowledging_again_renews_the_acknowledgement() -> None:
    acked = ok(acknowledge(new(), "alice", "", T0 + 30)).incident
    again = ok(acknowledge(acked, "bob", "", T0 + 90))
    assert again.incident.acknowledged_by == "bob"
    assert again.incident.acknowledged_at == T0 + 90
    assert again.events[0].detail == {"renewed": True}


def test_an_expired_acknowledgement_triggers_the_incident_again() -> None:
    acked = ok(acknowledge(new(), "alice", "", T0 + 30)).incident
    expired = ok(ack_expired(acked, T0 + 1830))
    assert expired.incident.status == "triggered"
    assert expired.incident.acknowledged_by is None
    assert expired.events[0].kind == "ack_expired"
    assert expired.events[0].detail["acknowledged_by"] == "alice"


def test_resolving_by_a_user_keeps_the_comment() -> None:
    change = ok(resolve(new(), "bob", "rolled back", T0 + 100))
    assert change.incident.status == "resolved"
    assert change.incident.resolved_by == "bob"
    assert change.events[0].detail == {"by": "bob", "comment": "rolled back"}


def test_a_required_comment_must_be_given() -> None:
    assert resolve(new(), "bob", "  ", T0, require_comment=True) == CommentRequired("resolve")
    ok(resolve(new(), "bob", "done", T0, require_comment=True))


@pytest.mark.parametrize(
    ("step", "status"),
    [
        (lambda inc: acknowledge(inc, "a", "", T0 + 1), "resolved"),
        (lambda inc: resolve(inc, "a", "", T0 + 1), "resolved"),
        (lambda inc: ack_expired(inc, T0 + 1), "resolved"),
        (lambda inc: join(inc, {"x": {}}, "P0", T0 + 1), "resolved"),
        (lambda inc: alerts_resolved(inc, ["fp1"], T0 + 1), "resolved"),
        (lambda inc: ack_expired(inc, T0 + 1), "triggered"),
    ],
)
def test_invalid_transitions_are_refused_with_a_value(step: object, status: str) -> None:
    inc = new()
    if status == "resolved":
        inc = ok(resolve(inc, "bob", "", T0)).incident
    result = step(inc)  # type: ignore[operator]
    assert isinstance(result, InvalidTransition)
    assert result.status == status
    assert result.incident_id == inc.id
    assert status in result.message


def test_the_transition_table_never_leaves_resolved() -> None:
    for starts in TRANSITIONS.values():
        assert "resolved" not in starts


def test_comments_are_allowed_after_resolution() -> None:
    done = ok(resolve(new(), "bob", "", T0)).incident
    change = add_comment(done, "carol", "postmortem on Monday", T0 + 5)
    assert change.incident == done
    assert change.events[0].kind == "comment"
    assert change.events[0].detail == {"comment": "postmortem on Monday"}


def test_escalation_events_carry_the_engines_state() -> None:
    inc = new()
    change = record_escalation(
        inc, "paged", {"user": "alice", "contact": "sms", "outcome": "sent"}, T0, {"level": 1}
    )
    assert change.incident.escalation == {"level": 1}
    assert change.events[0].kind == "paged"
    assert record_escalation(inc, "gap", {"level": 0}, T0).incident.escalation == {}
    with pytest.raises(ValueError, match="not an escalation event"):
        record_escalation(inc, "resolved", {}, T0)


def test_the_functions_do_not_change_their_input() -> None:
    inc = new()
    before = (dict(inc.alerts), inc.status, inc.severity)
    join(inc, {"fp9": LAT}, "P0", T0 + 1)
    alerts_resolved(inc, ["fp1"], T0 + 1)
    acknowledge(inc, "a", "", T0 + 1)
    assert (dict(inc.alerts), inc.status, inc.severity) == before
