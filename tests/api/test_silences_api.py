"""Silences through the API, as Alertmanager 0.25 answers (on a fake clock)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import ApiHarness

from tocsin.model.times import format_millis

UUID = "6f3b5a5e-1111-4c3e-9e1e-111111111111"


def _t(api: ApiHarness, offset: float) -> str:
    return format_millis(api.clock.now() + offset)


def silence_body(api: ApiHarness, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "matchers": [{"name": "alertname", "value": "Disk", "isRegex": False}],
        "startsAt": _t(api, 0),
        "endsAt": _t(api, 3600),
        "createdBy": "ops",
        "comment": "maintenance",
    }
    body.update(overrides)
    return body


def post(api: ApiHarness, body: Any) -> tuple[int, Any]:
    resp = api.client.post("/api/v2/silences", json=body)
    return resp.status_code, (resp.json() if resp.content else None)


def get(api: ApiHarness, silence_id: str) -> dict[str, Any]:
    resp = api.client.get(f"/api/v2/silence/{silence_id}")
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def test_a_new_silence_is_active_and_listed(api: ApiHarness) -> None:
    status, answer = post(api, silence_body(api))
    assert status == 200
    silence = get(api, answer["silenceID"])
    assert list(silence) == [
        "id",
        "status",
        "updatedAt",
        "comment",
        "createdBy",
        "endsAt",
        "matchers",
        "startsAt",
    ]
    assert silence["status"] == {"state": "active"}
    assert silence["matchers"] == [
        {"isEqual": True, "isRegex": False, "name": "alertname", "value": "Disk"}
    ]
    assert [s["id"] for s in api.client.get("/api/v2/silences").json()] == [answer["silenceID"]]


def test_a_start_in_the_past_is_clamped_to_now(api: ApiHarness) -> None:
    _, answer = post(api, silence_body(api, startsAt=_t(api, -3600)))
    assert get(api, answer["silenceID"])["startsAt"] == _t(api, 0)


def test_a_future_start_is_pending_until_it_comes(api: ApiHarness) -> None:
    _, answer = post(api, silence_body(api, startsAt=_t(api, 600)))
    assert get(api, answer["silenceID"])["status"]["state"] == "pending"
    api.clock.advance(600)
    assert get(api, answer["silenceID"])["status"]["state"] == "active"
    api.clock.advance(3001)
    assert get(api, answer["silenceID"])["status"]["state"] == "expired"


@pytest.mark.parametrize(
    ("overrides", "status", "answer"),
    [
        (
            {"matchers": []},
            422,
            {"code": 612, "message": "matchers in body should have at least 1 items"},
        ),
        ({"comment": None}, 422, {"code": 602, "message": "comment in body is required"}),
        ({"createdBy": None}, 422, {"code": 602, "message": "createdBy in body is required"}),
        ({"startsAt": None}, 422, {"code": 602, "message": "startsAt in body is required"}),
        ({"endsAt": None}, 422, {"code": 602, "message": "endsAt in body is required"}),
        (
            {"matchers": [{"name": "a", "value": "b"}]},
            422,
            {"code": 602, "message": "matchers.0.isRegex in body is required"},
        ),
        (
            {"matchers": [{"name": "a", "value": "", "isRegex": False}]},
            400,
            "silence invalid: at least one matcher must not match the empty string",
        ),
        (
            {"matchers": [{"name": "a", "value": ".*", "isRegex": True}]},
            400,
            "silence invalid: at least one matcher must not match the empty string",
        ),
        (
            {"matchers": [{"name": "a", "value": "(", "isRegex": True}]},
            400,
            'silence invalid: invalid label matcher 0: invalid regular expression "(": '
            "error parsing regexp: missing closing ): `(`",
        ),
        (
            {"matchers": [{"name": "1a", "value": "b", "isRegex": False}]},
            400,
            'silence invalid: invalid label matcher 0: invalid label name "1a"',
        ),
        ({"id": UUID}, 404, "silence not found"),
        ({"id": "not-a-uuid"}, 404, "silence not found"),
    ],
)
def test_invalid_silences_answer_like_alertmanager(
    api: ApiHarness, overrides: dict[str, Any], status: int, answer: Any
) -> None:
    body = {k: v for k, v in silence_body(api, **overrides).items() if v is not None}
    assert post(api, body) == (status, answer)
    assert api.client.get("/api/v2/silences").json() == []


def test_time_checks(api: ApiHarness) -> None:
    equal = silence_body(api, startsAt=_t(api, 60), endsAt=_t(api, 60))
    assert post(api, equal) == (400, "Failed to create silence: start time must be before end time")
    past = silence_body(api, startsAt=_t(api, -7200), endsAt=_t(api, -3600))
    assert post(api, past) == (400, "Failed to create silence: end time can't be in the past")


def test_update_with_same_matchers_and_start_is_in_place(api: ApiHarness) -> None:
    _, first = post(api, silence_body(api))
    original = get(api, first["silenceID"])
    api.clock.advance(10)
    body = silence_body(
        api,
        id=first["silenceID"],
        startsAt=original["startsAt"],
        endsAt=_t(api, 7200),
        comment="longer",
    )
    assert post(api, body) == (200, {"silenceID": first["silenceID"]})
    updated = get(api, first["silenceID"])
    assert (updated["comment"], updated["endsAt"]) == ("longer", _t(api, 7200))
    assert len(api.client.get("/api/v2/silences").json()) == 1


def test_update_with_new_matchers_expires_the_old_and_creates_a_new(api: ApiHarness) -> None:
    _, first = post(api, silence_body(api))
    api.clock.advance(10)
    body = silence_body(
        api, id=first["silenceID"], matchers=[{"name": "job", "value": "db", "isRegex": False}]
    )
    status, second = post(api, body)
    assert status == 200
    assert second["silenceID"] != first["silenceID"]
    assert get(api, first["silenceID"])["endsAt"] == _t(api, 0)
    api.clock.advance(0.001)  # a silence ending "now" is still active at that instant
    assert get(api, first["silenceID"])["status"]["state"] == "expired"
    states = [s["status"]["state"] for s in api.client.get("/api/v2/silences").json()]
    assert states == ["active", "expired"]


def test_list_order_and_filter(api: ApiHarness) -> None:
    ids = {}
    for name, start, end in [("late", 0, 7200), ("soon", 0, 600), ("pending", 60, 600)]:
        _, answer = post(
            api,
            silence_body(
                api,
                startsAt=_t(api, start),
                endsAt=_t(api, end),
                comment=name,
                matchers=[{"name": "x", "value": name, "isRegex": False}],
            ),
        )
        ids[name] = answer["silenceID"]
    api.client.delete(f"/api/v2/silence/{ids['late']}")
    api.clock.advance(0.001)
    listed = [s["comment"] for s in api.client.get("/api/v2/silences").json()]
    assert listed == ["soon", "pending", "late"]
    found = api.client.get("/api/v2/silences", params={"filter": 'x="soon"'}).json()
    assert [s["comment"] for s in found] == ["soon"]
    assert api.client.get("/api/v2/silences", params={"filter": 'x=~"soon"'}).json() == []
    assert api.client.get("/api/v2/silences", params={"filter": 'x=~"("'}).status_code == 400


def test_get_and_delete_by_id(api: ApiHarness) -> None:
    assert api.client.get(f"/api/v2/silence/{UUID}").status_code == 404
    bad = api.client.get("/api/v2/silence/not-a-uuid")
    assert (bad.status_code, bad.json()["code"]) == (422, 601)
    assert api.client.delete("/api/v2/silence/not-a-uuid").status_code == 422
    unknown = api.client.delete(f"/api/v2/silence/{UUID}")
    assert (unknown.status_code, unknown.json()) == (404, "silence not found")  # AM: 500
    _, answer = post(api, silence_body(api))
    assert api.client.delete(f"/api/v2/silence/{answer['silenceID']}").status_code == 200
    api.clock.advance(0.001)
    assert get(api, answer["silenceID"])["status"]["state"] == "expired"
    assert api.client.delete(f"/api/v2/silence/{answer['silenceID']}").status_code == 200


def test_pending_silence_expired_by_delete_starts_and_ends_now(api: ApiHarness) -> None:
    _, answer = post(api, silence_body(api, startsAt=_t(api, 600)))
    api.client.delete(f"/api/v2/silence/{answer['silenceID']}")
    silence = get(api, answer["silenceID"])
    assert silence["startsAt"] == silence["endsAt"] == _t(api, 0)


def test_silenced_alerts_are_suppressed_and_filterable(api: ApiHarness) -> None:
    api.post_alerts([{"labels": {"alertname": "Disk"}}, {"labels": {"alertname": "CPU"}}])
    _, answer = post(api, silence_body(api))
    by_name = {a["labels"]["alertname"]: a["status"] for a in api.alerts()}  # type: ignore[index]
    assert by_name["Disk"] == {
        "inhibitedBy": [],
        "silencedBy": [answer["silenceID"]],
        "state": "suppressed",
    }
    assert by_name["CPU"] == {"inhibitedBy": [], "silencedBy": [], "state": "active"}
    names = [a["labels"]["alertname"] for a in api.alerts(silenced="false")]  # type: ignore[index]
    assert names == ["CPU"]
    assert [a["labels"]["alertname"] for a in api.alerts(active="false")] == ["Disk"]  # type: ignore[index]
    api.client.delete(f"/api/v2/silence/{answer['silenceID']}")
    api.clock.advance(1)
    assert all(a["status"]["state"] == "active" for a in api.alerts())  # type: ignore[index]


def test_pending_silences_do_not_silence(api: ApiHarness) -> None:
    api.post_alerts([{"labels": {"alertname": "Disk"}}])
    post(api, silence_body(api, startsAt=_t(api, 60)))
    assert api.alerts()[0]["status"]["state"] == "active"  # type: ignore[index]
