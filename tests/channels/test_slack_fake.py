"""The fake Slack answers as Slack does, so tests that use it test something real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from tests.support.fakes.slack import BOT_TOKEN, FakeSlack

AUTH = {"Authorization": f"Bearer {BOT_TOKEN}"}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _api(
    slack: FakeSlack, method: str, headers: dict[str, str] | None = None, **args: object
) -> Any:
    answer = httpx.post(
        slack.api_url + method, json=args, headers=AUTH if headers is None else headers
    )
    assert answer.status_code == 200
    return orjson.loads(answer.content)


def test_webhooks_answer_ok_or_slacks_error_words(slack: FakeSlack) -> None:
    hook = slack.webhook_url("ops")
    assert httpx.post(hook, json={"text": "hi"}).text == "ok"
    assert slack.top_level("#ops")[0].text == "hi"
    bad = httpx.post(hook, content=b"{nope")
    assert (bad.status_code, bad.text) == (400, "invalid_payload")
    empty = httpx.post(hook, json={"channel": "#x"})
    assert (empty.status_code, empty.text) == (400, "no_text")
    unknown = httpx.post(slack.base_url + "/services/T9/B9/nothing", json={"text": "x"})
    assert (unknown.status_code, unknown.text) == (404, "no_service")


def test_the_token_is_checked(slack: FakeSlack) -> None:
    assert _api(slack, "chat.postMessage", {}, channel="#alerts", text="x")["error"] == "not_authed"
    wrong = {"Authorization": "Bearer xoxb-other"}
    assert _api(slack, "chat.postMessage", wrong, channel="#alerts", text="x")["error"] == (
        "invalid_auth"
    )
    assert slack.messages == []


def test_post_reply_and_update(slack: FakeSlack) -> None:
    first = _api(slack, "chat.postMessage", channel="#alerts", text="one")
    assert first["ok"]
    assert first["channel"] == "C0ALERTS01"
    reply = _api(slack, "chat.postMessage", channel="C0ALERTS01", text="two", thread_ts=first["ts"])
    assert reply["ts"] > first["ts"]
    (parent,) = slack.top_level("#alerts")
    assert [m.text for m in slack.replies(parent)] == ["two"]
    updated = _api(slack, "chat.update", channel="C0ALERTS01", ts=first["ts"], text="edited")
    assert updated["ok"]
    assert parent.text == "edited"
    by_name = _api(slack, "chat.update", channel="#alerts", ts=first["ts"], text="x")
    assert by_name["error"] == "channel_not_found"
    missing = _api(slack, "chat.update", channel="C0ALERTS01", ts="1.000001", text="x")
    assert missing["error"] == "message_not_found"
    no_thread = _api(slack, "chat.postMessage", channel="C0ALERTS01", text="x", thread_ts="1.1")
    assert no_thread["error"] == "thread_not_found"


def test_unknown_channels_methods_and_empty_messages(slack: FakeSlack) -> None:
    assert (
        _api(slack, "chat.postMessage", channel="#nope", text="x")["error"] == "channel_not_found"
    )
    assert _api(slack, "chat.postMessage", channel="#alerts")["error"] == "no_text"
    assert _api(slack, "chat.delete", channel="#alerts")["error"] == "unknown_method"


def test_direct_messages_and_form_bodies(slack: FakeSlack) -> None:
    answer = httpx.post(
        slack.api_url + "chat.postMessage",
        data={"channel": "U012ABCDEF", "attachments": '[{"text": "a"}]'},
        headers=AUTH,
    ).json()
    assert answer["channel"] == "D012ABCDEF"
    assert slack.top_level("U012ABCDEF")[0].attachments == [{"text": "a"}]


def test_programmed_answers_come_first_and_in_order(slack: FakeSlack) -> None:
    slack.ratelimit_next(retry_after=7)
    slack.fail_next(503, headers={"Retry-After": "2"}, body="down")
    slack.error_next("internal_error")
    slack.malformed_next()
    limited = httpx.post(slack.api_url + "chat.postMessage", json={}, headers=AUTH)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    down = httpx.post(slack.webhook_url(), json={"text": "x"})
    assert (down.status_code, down.text, down.headers["retry-after"]) == (503, "down", "2")
    assert _api(slack, "chat.postMessage", channel="#alerts", text="x")["error"] == "internal_error"
    broken = httpx.post(slack.api_url + "chat.postMessage", json={}, headers=AUTH)
    assert broken.status_code == 200
    assert not broken.text.startswith("{")
    assert _api(slack, "chat.postMessage", channel="#alerts", text="x")["ok"]


def test_a_hanging_request_times_out_and_the_fake_still_closes(slack: FakeSlack) -> None:
    slack.hang_next()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(slack.webhook_url(), json={"text": "x"}, timeout=0.2)
