"""The command line's HTTP client: requests it makes, and how failures read."""

from __future__ import annotations

import httpx
import pytest

from tocsin.cli._client import Client, ClientError, Refused, Unreachable, redact_url


def _client(handler: httpx.MockTransport, url: str = "http://127.0.0.1:9093") -> Client:
    return Client(url, transport=handler)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, b'"silence invalid: no matchers"\n', "silence invalid: no matchers"),
        (
            422,
            b'{"code":601,"message":"silenceID in path must be of type uuid"}',
            "silenceID in path must be of type uuid",
        ),
        (503, b"", "Service Unavailable"),
        (502, b"<html>bad gateway</html>", "<html>bad gateway</html>"),
    ],
)
def test_it_keeps_the_servers_message(status: int, body: bytes, message: str) -> None:
    client = _client(httpx.MockTransport(lambda _request: httpx.Response(status, content=body)))
    with pytest.raises(Refused) as refused:
        client.silences()
    assert refused.value.status == status
    assert refused.value.message == message
    assert str(refused.value) == f"tocsin answered {status}: {message}"


def test_it_sends_filters_and_state_flags_under_the_url_prefix() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    client = _client(httpx.MockTransport(handler), "http://127.0.0.1:9093/am/")
    client.alerts(filters=['a="b"', 'c=~"d|e"'], receiver="ops", silenced=False)
    [request] = seen
    assert request.url.path == "/am/api/v2/alerts"
    params = request.url.params
    assert params.get_list("filter") == ['a="b"', 'c=~"d|e"']
    assert (params["active"], params["silenced"], params["receiver"]) == ("true", "false", "ops")


def test_a_timeout_is_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(Unreachable, match=r"did not answer within 30s"):
        _client(httpx.MockTransport(handler)).status()


def test_an_answer_that_is_not_json_is_an_error() -> None:
    client = _client(httpx.MockTransport(lambda _request: httpx.Response(200, content=b"<html>")))
    with pytest.raises(ClientError, match=r"/api/v2/alerts: not JSON"):
        client.alerts()


def test_messages_hide_the_password_in_the_url() -> None:
    assert (
        redact_url("http://ops:hunter2@127.0.0.1:9093/x") == "http://ops:<secret>@127.0.0.1:9093/x"
    )
    assert redact_url("http://127.0.0.1:9093") == "http://127.0.0.1:9093"

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(Unreachable) as unreachable:
        _client(httpx.MockTransport(handler), "http://ops:hunter2@127.0.0.1:9093").status()
    assert str(unreachable.value) == (
        "cannot connect to tocsin at http://ops:<secret>@127.0.0.1:9093: Connection refused"
    )
