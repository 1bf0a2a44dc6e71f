"""POST /api/v2/alerts answers as Alertmanager 0.25 does (status codes and bodies)."""

from __future__ import annotations

import pytest
from tests.conftest import ApiHarness

GOOD = {"labels": {"alertname": "A"}}

CASES = [
    # (name, body, status, answer)
    ("valid", [GOOD], 200, None),
    ("empty list", [], 200, None),
    ("null body", b"null", 200, None),
    ("empty label set", [{"labels": {}}], 400, "at least one label pair required"),
    ("only empty values", [{"labels": {"a": ""}}], 400, "at least one label pair required"),
    ("bad label name", [{"labels": {"1a": "b"}}], 400, 'invalid label set: invalid name "1a"'),
    (
        "bad annotation name",
        [{"labels": {"a": "b"}, "annotations": {"1bad": "x"}}],
        400,
        'invalid annotations: invalid name "1bad"',
    ),
    (
        "end before start",
        [
            {
                "labels": {"a": "b"},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "2025-01-01T00:00:00Z",
            }
        ],
        400,
        "start time must be before end time",
    ),
    (
        "partial batch joins errors",
        [GOOD, {"labels": {"2x": "c"}}, {"labels": {}}],
        400,
        'invalid label set: invalid name "2x"; at least one label pair required',
    ),
    (
        "missing labels",
        [{"annotations": {"x": "y"}}],
        422,
        {"code": 602, "message": "0.labels in body is required"},
    ),
    (
        "null labels",
        [{"labels": None}],
        422,
        {"code": 602, "message": "0.labels in body is required"},
    ),
    (
        "second alert without labels",
        [GOOD, {"annotations": {}}],
        422,
        {"code": 602, "message": "1.labels in body is required"},
    ),
    (
        "bad generatorURL",
        [{"labels": {"a": "b"}, "generatorURL": "not a url"}],
        422,
        {"code": 601, "message": '0.generatorURL in body must be of type uri: "not a url"'},
    ),
    ("empty body", b"", 422, {"code": 602, "message": "alerts in body is required"}),
]

DECODE_400 = [
    ("object instead of array", {"labels": {"a": "b"}}),
    ("not json", b"notjson"),
    ("number label value", [{"labels": {"a": 1}}]),
    ("array annotations", [{"labels": {"a": "b"}, "annotations": []}]),
    ("unparsable startsAt", [{"labels": {"a": "b"}, "startsAt": "garbage"}]),
    ("date without time", [{"labels": {"a": "b"}, "startsAt": "2026-01-01"}]),
    ("numeric startsAt", [{"labels": {"a": "b"}, "startsAt": 12}]),
    ("array of numbers", [1]),
    ("null alert", [None]),
    ("string body", "str"),
]


@pytest.mark.parametrize(("name", "body", "status", "answer"), CASES, ids=[c[0] for c in CASES])
def test_post_alerts_answers_like_alertmanager(
    api: ApiHarness, name: str, body: object, status: int, answer: object
) -> None:
    got_status, got_answer = api.post_alerts(body)
    assert (got_status, got_answer) == (status, answer)


@pytest.mark.parametrize(("name", "body"), DECODE_400, ids=[c[0] for c in DECODE_400])
def test_undecodable_requests_are_refused_whole_with_400(
    api: ApiHarness, name: str, body: object
) -> None:
    status, answer = api.post_alerts(body)
    assert status == 400
    assert isinstance(answer, dict)
    assert answer["code"] == 400
    assert str(answer["message"]).startswith('parsing alerts body from "" failed, because ')
    assert api.alerts() == []


def test_valid_alerts_of_a_rejected_batch_are_stored(api: ApiHarness) -> None:
    status, _ = api.post_alerts([{"labels": {"alertname": "kept"}}, {"labels": {"1": "x"}}])
    assert status == 400
    assert [a["labels"] for a in api.alerts()] == [{"alertname": "kept"}]


def test_schema_errors_store_nothing(api: ApiHarness) -> None:
    status, _ = api.post_alerts([{"labels": {"alertname": "x"}}, {"annotations": {}}])
    assert status == 422
    assert api.alerts() == []


def test_empty_label_values_are_dropped(api: ApiHarness) -> None:
    api.post_alerts([{"labels": {"alertname": "A", "zone": ""}}])
    (alert,) = api.alerts()
    assert alert["labels"] == {"alertname": "A"}


def test_times_are_filled_as_alertmanager_fills_them(api: ApiHarness) -> None:
    api.post_alerts([{"labels": {"alertname": "A"}}])
    (alert,) = api.alerts()
    assert alert["startsAt"] == "2027-01-15T08:00:00.000Z"
    assert alert["endsAt"] == "2027-01-15T08:05:00.000Z"  # now + resolve_timeout
    assert alert["updatedAt"] == "2027-01-15T08:00:00.000Z"


def test_go_zero_times_mean_unset(api: ApiHarness) -> None:
    zero = "0001-01-01T00:00:00.000Z"
    api.post_alerts([{"labels": {"alertname": "A"}, "startsAt": zero, "endsAt": zero}])
    (alert,) = api.alerts()
    assert alert["startsAt"] == "2027-01-15T08:00:00.000Z"


def test_alert_with_only_end_starts_at_its_end(api: ApiHarness) -> None:
    api.post_alerts([{"labels": {"alertname": "A"}, "endsAt": "2027-01-15T09:00:00Z"}])
    (alert,) = api.alerts()
    assert alert["startsAt"] == alert["endsAt"] == "2027-01-15T09:00:00.000Z"


def test_timestamps_in_other_zones_and_forms_are_accepted(api: ApiHarness) -> None:
    status, _ = api.post_alerts(
        [
            {"labels": {"n": "1"}, "startsAt": "2027-01-15T10:00:00.123456789+02:00"},
            {"labels": {"n": "2"}, "startsAt": "2027-01-15 08:00:00"},
            {"labels": {"n": "3"}, "startsAt": "2027-01-15T08:00:00"},
        ]
    )
    assert status == 200
    starts = {a["labels"]["n"]: a["startsAt"] for a in api.alerts()}  # type: ignore[index]
    assert starts == {
        "1": "2027-01-15T08:00:00.123Z",
        "2": "2027-01-15T08:00:00.000Z",
        "3": "2027-01-15T08:00:00.000Z",
    }


def test_unsupported_media_type_is_415(api: ApiHarness) -> None:
    resp = api.client.post("/api/v2/alerts", content=b"[]", headers={"content-type": "text/plain"})
    assert resp.status_code == 415
    assert resp.json()["code"] == 415


def test_success_has_an_empty_body(api: ApiHarness) -> None:
    resp = api.client.post(
        "/api/v2/alerts", content=b"[]", headers={"content-type": "application/json"}
    )
    assert (resp.status_code, resp.content) == (200, b"")
