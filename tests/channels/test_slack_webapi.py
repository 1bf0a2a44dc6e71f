"""The Slack channel's Web API mode: one thread per group, Slack's error codes judged, and
no token in any error. Slack is the fake on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import pytest
from tests.channels.local_servers import LocalServer, Reply, forbid_non_local
from tests.support.fakes.slack import BOT_TOKEN, FakeSlack
from tests.support.ports import free_port

from tocsin import __version__
from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.channels.slack import RETRYABLE_ERRORS, SlackChannel, slack_target
from tocsin.config import GlobalConfig, load_config_text
from tocsin.config.receivers import SlackConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"
GROUP = '{}:{alertname="Disk"}'


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _alert(ends: float, **labels: str) -> Alert:
    annotations = {"summary": "disk full", "runbook_url": "http://runbooks.invalid/disk"}
    return Alert(fingerprint(labels), labels, annotations, NOW - 600, ends, NOW - 1)


def _message(
    status: str = "firing",
    state: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Message:
    ends = NOW + 300 if status == "firing" else NOW - 5
    return Message(
        receiver="team-x",
        status=status,
        group_key=GROUP,
        group_labels={"alertname": "Disk"},
        alerts=[_alert(ends, alertname="Disk", instance="a")],
        now=NOW,
        extra=extra or {},
        state=state or {},
    )


TEXTS = """
        title: '{{ status }} {{ groupLabels.alertname }}'
        text: '{{ alerts | length }} alert(s)'
        fallback: 'fb {{ status }}'
        color: '{{ "danger" if status == "firing" else "good" }}'
        username: tocsin
        icon_emoji: ':rotating_light:'
        icon_url: ''
        title_link: ''
        pretext: ''
        callback_id: ''
        footer: ''
"""


def _config(
    api_url: str, body: str = TEXTS, channel: str = "#alerts", token: str = BOT_TOKEN
) -> SlackConfig:
    text = f"""
route:
  receiver: team-x
receivers:
  - name: team-x
    slack_configs:
      - channel: '{channel}'
        send_resolved: true
        bot_token: '{token}'
        web_api_url: '{api_url}'
{body}
"""
    item = load_config_text(text).receivers[0].slack_configs[0]
    assert isinstance(item, SlackConfig)
    return item


class Session:
    """One channel, used for several sends in one event loop."""

    def __init__(self, config: SlackConfig, **options: Any) -> None:
        self.config = config
        self.options = options

    def run(self, *messages: Message, target: str | None = None) -> list[SendResult]:
        """Send the messages in turn, each carrying the state the previous one returned
        (unless it has its own)."""

        async def main() -> list[SendResult]:
            channel = SlackChannel(
                self.config, templates=Templates(), external_url=EXTERNAL, **self.options
            )
            results: list[SendResult] = []
            try:
                for message in messages:
                    if not message.state and results:
                        message = _with_state(message, results[-1].state)
                    where = slack_target(self.config) if target is None else target
                    results.append(await channel.send(where, message, "key"))
            finally:
                await channel.aclose()
            return results

        return asyncio.run(main())


def _with_state(message: Message, state: Mapping[str, Any]) -> Message:
    return Message(
        message.receiver,
        message.status,
        message.group_key,
        message.group_labels,
        message.alerts,
        message.now,
        message.extra,
        state,
    )


def _fail(config: SlackConfig, message: Message | None = None, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        Session(config, **options).run(message or _message())
    return caught.value


# --- the thread story -------------------------------------------------------------------


def test_the_first_notification_posts_a_parent(slack: FakeSlack) -> None:
    (result,) = Session(_config(slack.api_url)).run(_message())
    (seen,) = slack.requests
    assert seen.path == "/api/chat.postMessage"
    assert seen.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert seen.headers["content-type"] == "application/json; charset=utf-8"
    assert seen.headers["user-agent"] == f"tocsin/{__version__}"
    request = orjson.loads(seen.body)
    assert request == {
        "channel": "#alerts",
        "username": "tocsin",
        "icon_emoji": ":rotating_light:",
        "text": "fb firing",
        "attachments": [
            {
                "title": "firing Disk",
                "text": "1 alert(s)",
                "fallback": "fb firing",
                "callback_id": "",
                "actions": [
                    {"type": "button", "text": "Runbook", "url": "http://runbooks.invalid/disk"},
                    {"type": "button", "text": "Silence", "url": f"{EXTERNAL}/#/silences/new"},
                ],
                "footer": "",
                "color": "danger",
                "mrkdwn_in": ["fallback", "pretext", "text"],
            }
        ],
    }
    (parent,) = slack.top_level("#alerts")
    assert result.state == {"channel": "C0ALERTS01", "ts": parent.ts}
    assert result.reference == parent.ts
    assert result.status == 200


def test_later_notifications_reply_in_the_thread(slack: FakeSlack) -> None:
    first, second, third = Session(_config(slack.api_url)).run(_message(), _message(), _message())
    (parent,) = slack.top_level("#alerts")
    replies = slack.replies(parent)
    assert [r.ts for r in replies] == [second.reference, third.reference]
    assert all(r.request["thread_ts"] == parent.ts for r in replies)
    assert all(r.request["channel"] == "C0ALERTS01" for r in replies)  # the answered id
    assert second.state == third.state == first.state
    assert second.reference != first.reference


def test_a_resolution_updates_the_parent_and_replies(slack: FakeSlack) -> None:
    first, _, resolved = Session(_config(slack.api_url)).run(
        _message(), _message(), _message("resolved")
    )
    (parent,) = slack.top_level("#alerts")
    (update,) = parent.updates
    assert update["channel"] == "C0ALERTS01"
    assert update["ts"] == parent.ts
    assert update["text"] == "fb resolved"
    assert parent.attachments[0]["title"] == "resolved Disk"
    assert parent.attachments[0]["color"] == "good"
    assert [a["text"] for a in parent.attachments[0]["actions"]] == ["Runbook"]
    last = slack.replies(parent)[-1]
    assert last.ts == resolved.reference
    assert last.attachments[0]["color"] == "good"
    assert [r.path for r in slack.requests] == [
        "/api/chat.postMessage",
        "/api/chat.postMessage",
        "/api/chat.update",
        "/api/chat.postMessage",
    ]
    assert resolved.state == {**first.state, "resolved": True}


def test_firing_again_after_a_resolution_starts_a_new_thread(slack: FakeSlack) -> None:
    first, _, again = Session(_config(slack.api_url)).run(
        _message(), _message("resolved"), _message()
    )
    parents = slack.top_level("#alerts")
    assert [p.ts for p in parents] == [first.reference, again.reference]
    assert again.state == {"channel": "C0ALERTS01", "ts": again.reference}


def test_state_survives_a_new_channel_instance(slack: FakeSlack) -> None:
    config = _config(slack.api_url)
    (first,) = Session(config).run(_message())
    restored = dict(orjson.loads(orjson.dumps(first.state)))  # as stored and read back
    (second,) = Session(config).run(_message(state=restored))
    (parent,) = slack.top_level("#alerts")
    assert slack.replies(parent)[0].ts == second.reference


@pytest.mark.parametrize("code", ["message_not_found", "cant_update_message"])
def test_a_parent_that_cannot_be_updated_is_replaced(slack: FakeSlack, code: str) -> None:
    config = _config(slack.api_url)
    (first,) = Session(config).run(_message())
    slack.error_next(code)
    (resolved,) = Session(config).run(_message("resolved", state=first.state))
    parents = slack.top_level("#alerts")
    assert len(parents) == 2
    assert parents[1].ts == resolved.reference
    assert parents[1].attachments[0]["title"] == "resolved Disk"
    assert resolved.state == {"channel": "C0ALERTS01", "ts": resolved.reference, "resolved": True}


def test_a_deleted_parent_is_replaced_for_a_firing_reply(slack: FakeSlack) -> None:
    gone = {"channel": "C0ALERTS01", "ts": "1600000000.000001"}  # never posted here
    (result,) = Session(_config(slack.api_url)).run(_message(state=gone))
    (parent,) = slack.top_level("#alerts")
    assert result.state == {"channel": "C0ALERTS01", "ts": parent.ts}


def test_direct_messages_go_to_the_user_id(slack: FakeSlack) -> None:
    glob = GlobalConfig.model_validate(
        {"slack_bot_token": BOT_TOKEN, "slack_web_api_url": slack.api_url}
    )
    extra = {"ack_url": f"{EXTERNAL}/ack/tok123"}

    async def main() -> tuple[SendResult, SendResult, str]:
        channel = SlackChannel.for_people(glob, templates=Templates(), external_url=EXTERNAL)
        try:
            first = await channel.send("U012ABCDEF", _message(extra=extra), "k1")
            second = await channel.send(
                "U012ABCDEF", _message(state=first.state, extra=extra), "k2"
            )
            return first, second, channel.display("U012ABCDEF")
        finally:
            await channel.aclose()

    first, second, shown = asyncio.run(main())
    assert shown == "U012ABCDEF"
    assert orjson.loads(slack.requests[0].body)["channel"] == "U012ABCDEF"
    assert first.state == {"channel": "D012ABCDEF", "ts": first.reference}
    (parent,) = slack.top_level("U012ABCDEF")
    actions = parent.attachments[0]["actions"]
    assert [(a["text"], a["url"]) for a in actions] == [
        ("Runbook", "http://runbooks.invalid/disk"),
        ("Acknowledge", f"{EXTERNAL}/ack/tok123"),
        ("Silence", f"{EXTERNAL}/#/silences/new"),
    ]
    assert slack.replies(parent)[0].ts == second.reference


def test_people_need_a_global_bot_token() -> None:
    with pytest.raises(ValueError, match="slack_bot_token"):
        SlackChannel.for_people(GlobalConfig(), templates=Templates(), external_url=EXTERNAL)


def test_configured_actions_come_first_and_buttons_stop_at_five(slack: FakeSlack) -> None:
    actions = "".join(
        f"          - {{type: button, text: b{i}, url: 'http://x.invalid/{i}'}}\n" for i in range(4)
    )
    config = _config(slack.api_url, TEXTS + "        actions:\n" + actions)
    Session(config).run(_message())
    sent = orjson.loads(slack.requests[0].body)["attachments"][0]["actions"]
    assert [a["text"] for a in sent] == ["b0", "b1", "b2", "b3", "Runbook"]


def test_a_templated_channel_is_rendered(slack: FakeSlack) -> None:
    config = _config(slack.api_url, channel='#{{ "ops" }}')
    Session(config).run(_message())
    assert orjson.loads(slack.requests[0].body)["channel"] == "#ops"
    assert len(slack.top_level("#ops")) == 1


def test_no_channel_is_a_permanent_error(slack: FakeSlack) -> None:
    error = _fail(_config(slack.api_url, channel=""))
    assert not error.retryable
    assert slack.requests == []


# --- errors -----------------------------------------------------------------------------

PERMANENT = [
    "invalid_auth",
    "not_authed",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "msg_too_long",
    "no_text",
    "invalid_arguments",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "restricted_action",
]
RETRYABLE = ["internal_error", "fatal_error", "service_unavailable", "request_timeout"]


@pytest.mark.parametrize(
    ("code", "retryable"), [(c, False) for c in PERMANENT] + [(c, True) for c in RETRYABLE]
)
def test_slack_error_codes_are_classified(slack: FakeSlack, code: str, retryable: bool) -> None:
    slack.error_next(code)
    error = _fail(_config(slack.api_url))
    assert error.retryable is retryable
    assert code in str(error)
    assert "#alerts" in str(error)
    assert BOT_TOKEN not in str(error)


def test_the_retryable_codes_are_the_documented_ones() -> None:
    assert set(RETRYABLE) <= RETRYABLE_ERRORS
    assert not set(PERMANENT) & RETRYABLE_ERRORS


def test_a_wrong_token_is_invalid_auth(slack: FakeSlack) -> None:
    error = _fail(_config(slack.api_url, token="xoxb-wrong-token-value"))
    assert not error.retryable
    assert "invalid_auth" in str(error)
    assert "xoxb-wrong-token-value" not in str(error)


def test_an_unknown_channel_is_channel_not_found(slack: FakeSlack) -> None:
    error = _fail(_config(slack.api_url, channel="#nowhere"))
    assert not error.retryable
    assert "channel_not_found" in str(error)


def test_missing_scope_names_the_scope(slack: FakeSlack) -> None:
    slack.error_next("missing_scope", needed="chat:write", provided="users:read")
    error = _fail(_config(slack.api_url))
    assert "chat:write" in str(error)


def test_ratelimited_is_retryable_after_retry_after(slack: FakeSlack) -> None:
    slack.ratelimit_next(retry_after=42)
    error = _fail(_config(slack.api_url))
    assert error.retryable
    assert error.status == 429
    assert error.retry_after == 42


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (404, False)])
def test_http_errors_are_judged_by_status(slack: FakeSlack, status: int, retryable: bool) -> None:
    slack.fail_next(status)
    error = _fail(_config(slack.api_url))
    assert error.retryable is retryable
    assert error.status == status


@pytest.mark.parametrize(
    "body", [b"<html>upstream trouble", b"[]", b'{"channel":"C1"}', b'"ok"', b""]
)
def test_a_2xx_that_is_not_slacks_json_is_retryable(body: bytes) -> None:
    server = LocalServer(lambda _seen: Reply(200, body, {"Content-Type": "application/json"}))
    try:
        error = _fail(_config(server.url("/api/")))
    finally:
        server.close()
    assert error.retryable
    assert BOT_TOKEN not in str(error)


def test_malformed_answers_from_the_fake_are_retryable(slack: FakeSlack) -> None:
    slack.malformed_next()
    assert _fail(_config(slack.api_url)).retryable


def test_an_error_on_the_resolution_reply_is_raised_after_the_update(slack: FakeSlack) -> None:
    config = _config(slack.api_url)
    (first,) = Session(config).run(_message())
    slack.fail_next(200, body=b'{"ok": true}')  # the update passes
    slack.error_next("internal_error")  # the reply does not
    error = _fail(config, _message("resolved", state=first.state))
    assert error.retryable


def test_a_parent_gone_between_update_and_reply_is_a_delivery_error(slack: FakeSlack) -> None:
    config = _config(slack.api_url)
    (first,) = Session(config).run(_message())
    slack.fail_next(200, body=b'{"ok": true}')  # the update passes
    slack.error_next("thread_not_found")  # the reply finds no thread
    error = _fail(config, _message("resolved", state=first.state))
    assert type(error).__name__ == "SlackAPIError"
    assert not error.retryable


def test_a_hanging_api_times_out_as_retryable(slack: FakeSlack) -> None:
    slack.hang_next()
    started = time.monotonic()
    error = _fail(_config(slack.api_url), timeout=0.3)
    assert time.monotonic() - started < 5
    assert error.retryable
    assert BOT_TOKEN not in str(error)


def test_a_refused_connection_is_retryable() -> None:
    error = _fail(_config(f"http://127.0.0.1:{free_port()}/api/"))
    assert error.retryable
    assert BOT_TOKEN not in str(error)


def test_no_error_shows_the_token_even_when_slack_echoes_it() -> None:
    echo = orjson.dumps({"ok": False, "error": f"invalid_auth for {BOT_TOKEN}"})
    server = LocalServer(lambda seen: Reply(200, echo, {"Content-Type": "application/json"}))
    try:
        error = _fail(_config(server.url("/api/")))
        server_error = LocalServer(lambda seen: Reply(400, seen.headers["authorization"].encode()))
        try:
            error_400 = _fail(_config(server_error.url("/api/")))
        finally:
            server_error.close()
    finally:
        server.close()
    for shown in (str(error), str(error_400)):
        assert BOT_TOKEN not in shown
        assert "<secret>" in shown
