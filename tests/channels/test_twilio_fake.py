"""The fake Twilio speaks Twilio's wire format and fails when told to: the end-to-end tests
rely on it, so its own behaviour is pinned here with plain HTTP requests."""

from __future__ import annotations

import base64
import http.client
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from tests.support.fakes.twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_FROM,
    FakeTwilio,
)

TO = "+14155550199"
MESSAGES = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"
CALLS = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Calls.json"
AUTH = "Basic " + base64.b64encode(f"{DEFAULT_ACCOUNT_SID}:{DEFAULT_AUTH_TOKEN}".encode()).decode()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.close()


def _post(
    twilio: FakeTwilio,
    path: str = MESSAGES,
    form: dict[str, str] | None = None,
    auth: str = AUTH,
    timeout: float = 5.0,
) -> tuple[int, dict[str, str], Any]:
    fields = {"To": TO, "From": DEFAULT_FROM, "Body": "hello"} if form is None else form
    connection = http.client.HTTPConnection("127.0.0.1", twilio.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth}
        connection.request("POST", path, urlencode(fields), headers)
        response = connection.getresponse()
        raw = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = raw
    return response.status, headers, body


def test_a_message_is_created_with_its_resource(twilio: FakeTwilio) -> None:
    status, headers, body = _post(twilio)
    assert status == 201
    assert headers["content-type"].startswith("application/json")
    assert body["sid"].startswith("SM")
    assert len(body["sid"]) == 34
    assert (body["to"], body["from"], body["body"]) == (TO, DEFAULT_FROM, "hello")
    assert body["status"] == "queued"
    assert body["account_sid"] == DEFAULT_ACCOUNT_SID
    assert body["uri"] == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{body['sid']}.json"
    assert body["date_created"].endswith("+0000")
    (message,) = twilio.messages
    assert (message.sid, message.to, message.body) == (body["sid"], TO, "hello")
    assert twilio.requests[0].authorization == (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
    assert not twilio.rejected


def test_a_call_is_created_and_its_said_text_recorded(twilio: FakeTwilio) -> None:
    twiml = "<Response><Say>a &amp; b</Say><Pause length='1'/><Say>again</Say></Response>"
    status, _, body = _post(twilio, CALLS, {"To": TO, "From": DEFAULT_FROM, "Twiml": twiml})
    assert status == 201
    assert body["sid"].startswith("CA")
    (call,) = twilio.calls
    assert call.said == ("a & b", "again")
    assert call.twiml == twiml


@pytest.mark.parametrize(
    ("path", "form", "auth", "status", "code"),
    [
        (MESSAGES, None, "Basic " + base64.b64encode(b"AC:nope").decode(), 401, 20003),
        (MESSAGES, None, "", 401, 20003),
        ("/2010-04-01/Accounts/ACother/Messages.json", None, AUTH, 404, 20404),
        ("/2010-04-01/Messages.json", None, AUTH, 404, 20404),
        (MESSAGES, {"To": "4155550199", "From": DEFAULT_FROM, "Body": "x"}, AUTH, 400, 21211),
        (MESSAGES, {"To": TO, "From": "nope", "Body": "x"}, AUTH, 400, 21212),
        (MESSAGES, {"To": TO, "From": DEFAULT_FROM}, AUTH, 400, 21602),
        (MESSAGES, {"To": TO, "From": DEFAULT_FROM, "Body": "x" * 1601}, AUTH, 400, 21617),
        (MESSAGES, {"From": DEFAULT_FROM, "Body": "x"}, AUTH, 400, 21604),
        (CALLS, {"To": TO, "From": DEFAULT_FROM}, AUTH, 400, 21205),
        (
            CALLS,
            {"To": TO, "From": DEFAULT_FROM, "Twiml": "<Response><Say>a & b"},
            AUTH,
            400,
            12100,
        ),
        (CALLS, {"To": TO, "From": DEFAULT_FROM, "Twiml": "<Say>x</Say>"}, AUTH, 400, 12100),
    ],
)
def test_it_refuses_what_twilio_refuses(
    twilio: FakeTwilio,
    path: str,
    form: dict[str, str] | None,
    auth: str,
    status: int,
    code: int,
) -> None:
    answer, _, body = _post(twilio, path, form, auth)
    assert answer == status
    assert body["code"] == code
    assert body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert body["message"]
    assert not twilio.messages
    assert not twilio.calls
    assert len(twilio.rejected) == 1


def test_fail_next_answers_the_planned_failures_in_order_then_creates(twilio: FakeTwilio) -> None:
    twilio.fail_next(429, headers={"Retry-After": "3"})
    twilio.fail_next(500, times=2, code=20500, message="boom")
    first = _post(twilio)
    assert (first[0], first[1]["retry-after"], first[2]["code"]) == (429, "3", 20429)
    assert [_post(twilio)[2]["message"] for _ in range(2)] == ["boom", "boom"]
    assert _post(twilio)[0] == 201
    assert [r.status for r in twilio.requests] == [429, 500, 500, 201]
    assert len(twilio.messages) == 1
    assert not twilio.rejected  # planned failures are not refusals


def test_fail_next_with_a_raw_body(twilio: FakeTwilio) -> None:
    twilio.fail_next(502, body=b"<html>bad gateway</html>")
    status, _, body = _post(twilio)
    assert (status, body) == (502, b"<html>bad gateway</html>")
    assert not twilio.messages


def test_malformed_next_creates_the_resource_but_breaks_the_answer(twilio: FakeTwilio) -> None:
    twilio.malformed_next()
    status, _, body = _post(twilio)
    assert status == 201
    assert body == b'{"sid": "SM0123'
    assert len(twilio.messages) == 1


def test_hang_next_answers_nothing_until_closed() -> None:
    twilio = FakeTwilio()
    twilio.hang_next()
    try:
        with pytest.raises(socket.timeout):
            _post(twilio, timeout=0.2)
        assert [r.status for r in twilio.requests] == [0]
        assert _post(twilio)[0] == 201  # only the planned request hangs
    finally:
        twilio.close()  # returns although a handler still waits


def test_wait_for_wakes_when_resources_are_created(twilio: FakeTwilio) -> None:
    threads = [threading.Thread(target=_post, args=(twilio,)) for _ in range(20)]
    for thread in threads:
        thread.start()
    assert twilio.wait_for(20, timeout=10)
    for thread in threads:
        thread.join()
    assert len(twilio.messages_to(TO)) == 20
    assert twilio.wait_until(lambda: len(twilio.messages_to(TO)) == 20, timeout=1)
    assert len({m.sid for m in twilio.messages}) == 20
    assert twilio.wait_for(21, timeout=0.05) is False


def test_reset_forgets_everything(twilio: FakeTwilio) -> None:
    twilio.fail_next(500)
    twilio.reset()
    assert _post(twilio)[0] == 201
    twilio.reset()
    assert (twilio.requests, twilio.messages, twilio.calls) == ([], [], [])


def test_close_returns_with_an_idle_keep_alive_connection_open() -> None:
    twilio = FakeTwilio()
    connection = http.client.HTTPConnection("127.0.0.1", twilio.port, timeout=5)
    connection.request("GET", "/", headers={"Authorization": AUTH})
    assert connection.getresponse().read()
    twilio.close()  # the handler thread waiting for the next request is released
    connection.close()
