"""The webhook channel POSTs Alertmanager's payload and judges the answer as Alertmanager
0.25 does. Every server is on 127.0.0.1; nothing else is reachable."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.channels.local_servers import LocalServer, Reply, Seen, forbid_non_local
from tests.support.ports import free_port

from tocsin import __version__
from tocsin.channels import Channel, DeliveryError, Message, WebhookChannel, webhook_target
from tocsin.channels.webhook import webhook_payload
from tocsin.config import HTTPClientConfig, load_config_text
from tocsin.config.receivers import WebhookConfig
from tocsin.model import Alert, fingerprint

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


def _alert(ends: float, **labels: str) -> Alert:
    return Alert(fingerprint(labels), labels, {"summary": "s"}, NOW - 600, ends, NOW - 1)


MESSAGE = Message(
    receiver="team-x",
    status="firing",
    group_key='{}:{alertname="Disk"}',
    group_labels={"alertname": "Disk"},
    alerts=[
        _alert(NOW + 300, alertname="Disk", instance="b"),
        _alert(NOW - 5, alertname="Disk", instance="a"),
    ],
    now=NOW,
)


def _config(url: str, **data: Any) -> WebhookConfig:
    return WebhookConfig.model_validate({"url": url, **data})


def _send(
    config: WebhookConfig, target: str | None = None, key: str = "key-1", **options: Any
) -> None:
    async def main() -> None:
        channel = WebhookChannel(config, EXTERNAL, **options)
        try:
            await channel.send(target or webhook_target(config), MESSAGE, key)
        finally:
            await channel.aclose()

    asyncio.run(main())


def _fail(config: WebhookConfig, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(config, **options)
    return caught.value


def _server(status: int, body: bytes = b"", **headers: str) -> LocalServer:
    return LocalServer(lambda _seen: Reply(status, body, headers))


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


def test_it_posts_the_alertmanager_payload_with_its_headers(server: LocalServer) -> None:
    _send(_config(server.url("/hook?team=x")), key="flush-42")
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("POST", "/hook?team=x")
    assert orjson.loads(seen.body) == webhook_payload(
        receiver="team-x",
        group_key='{}:{alertname="Disk"}',
        group_labels={"alertname": "Disk"},
        alerts=MESSAGE.alerts,
        now=NOW,
        external_url=EXTERNAL,
    )
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"] == f"tocsin/{__version__}"
    assert seen.headers["idempotency-key"] == "flush-42"


def test_max_alerts_truncates_the_payload(server: LocalServer) -> None:
    _send(_config(server.url(), max_alerts=1))
    payload = orjson.loads(server.seen[0].body)
    assert len(payload["alerts"]) == 1
    assert payload["truncatedAlerts"] == 1


def test_http_config_authentication_is_sent(server: LocalServer) -> None:
    config = _config(server.url(), http_config={"basic_auth": {"username": "am", "password": "pw"}})
    _send(config)
    expected = "Basic " + base64.b64encode(b"am:pw").decode()
    assert server.seen[0].headers["authorization"] == expected


def test_oauth2_token_is_fetched_and_sent() -> None:
    def answer(seen: Seen) -> Reply:
        if seen.path == "/token":
            return Reply(200, b'{"access_token":"t0k","expires_in":60}')
        return Reply(200)

    srv = LocalServer(answer)
    oauth = {"client_id": "c", "client_secret": "s", "token_url": srv.url("/token")}
    try:
        _send(_config(srv.url("/hook"), http_config={"oauth2": oauth}))
    finally:
        srv.close()
    assert [s.path for s in srv.seen] == ["/token", "/hook"]
    assert srv.seen[1].headers["authorization"] == "Bearer t0k"


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_delivered(status: int) -> None:
    srv = _server(status)
    try:
        _send(_config(srv.url()))
    finally:
        srv.close()
    assert len(srv.seen) == 1


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (502, True),
        (503, True),
        (400, False),
        (401, False),
        (404, False),
        (429, True),  # one policy for every channel: a 429 is worth another try
    ],
)
def test_a_failed_status_is_retried_only_when_5xx_or_429(status: int, retryable: bool) -> None:
    srv = _server(status, b"nope")
    try:
        error = _fail(_config(srv.url()))
    finally:
        srv.close()
    assert error.retryable is retryable
    assert str(error) == f"webhook answered {status}: nope"


def test_a_redirect_left_unfollowed_is_not_retried() -> None:
    srv = _server(302, Location="/elsewhere")
    try:
        error = _fail(_config(srv.url(), http_config={"follow_redirects": False}))
    finally:
        srv.close()
    assert (str(error), error.retryable) == ("webhook answered 302", False)


def test_a_307_redirect_is_followed_with_the_body() -> None:
    srv = LocalServer(
        lambda seen: Reply(307, headers={"Location": "/b"}) if seen.path == "/a" else Reply()
    )
    try:
        _send(_config(srv.url("/a")))
    finally:
        srv.close()
    assert [(s.method, s.path) for s in srv.seen] == [("POST", "/a"), ("POST", "/b")]
    assert srv.seen[1].body == srv.seen[0].body


def test_the_error_shows_only_the_start_of_a_long_answer() -> None:
    srv = _server(500, b"x" * 5000)
    try:
        error = _fail(_config(srv.url()))
    finally:
        srv.close()
    assert str(error) == "webhook answered 500: " + "x" * 200 + "…"


def test_connection_refused_is_retryable() -> None:
    port = free_port()
    error = _fail(_config(f"http://127.0.0.1:{port}/hook"))
    assert error.retryable
    assert str(error).startswith("webhook request failed: ConnectError")
    assert str(port) not in str(error)


def test_a_timeout_is_retryable() -> None:
    srv = LocalServer(lambda _seen: Reply(hang=True))
    try:
        error = _fail(_config(srv.url()), timeout=0.2)
    finally:
        srv.close()
    assert error.retryable
    assert str(error).startswith("webhook request failed: ReadTimeout")


@pytest.mark.parametrize("url", ["<secret>", "ftp://127.0.0.1/x", "http://[::1"])
def test_an_unusable_url_is_not_retried(url: str) -> None:
    config = _config("http://127.0.0.1:1/")
    error = _fail(config, target=url)
    assert not error.retryable
    assert "URL" in str(error)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SECRET_SETUPS = {
    # user info in the URL: sent as basic auth, before any http_config authentication
    "user info": (
        "http://us3r:hunter2@127.0.0.1:{port}/hooks/T0KEN-PATH?key=q-s3cret",
        {"basic_auth": {"username": "u", "password": "basic-pa55"}},
        ("hunter2", _b64("us3r:hunter2"), "T0KEN-PATH", "q-s3cret", "basic-pa55"),
    ),
    "basic auth": (
        "http://127.0.0.1:{port}/hooks/T0KEN-PATH",
        {"basic_auth": {"username": "u", "password": "basic-pa55"}},
        ("T0KEN-PATH", "basic-pa55", _b64("u:basic-pa55")),
    ),
    "bearer": (
        "http://127.0.0.1:{port}/x?token=q-s3cret",
        {"authorization": {"type": "Token", "credentials": "b3arer-t0k"}},
        ("q-s3cret", "b3arer-t0k"),
    ),
}


def _secret_config(setup: str, port: int) -> tuple[WebhookConfig, tuple[str, ...]]:
    url, http_config, secrets = SECRET_SETUPS[setup]
    return _config(url.format(port=port), http_config=http_config), secrets


def _echo(seen: Seen) -> Reply:
    """A careless endpoint that repeats the request, decoded credentials too, in its error."""
    auth = seen.headers.get("authorization", "")
    decoded = base64.b64decode(auth.removeprefix("Basic ")) if auth.startswith("Basic") else b""
    return Reply(400, f"bad request {seen.path} {auth} {decoded!r} {seen.headers}".encode())


@pytest.mark.parametrize("setup", sorted(SECRET_SETUPS))
def test_no_secret_shows_in_an_error_even_when_the_endpoint_echoes_it(
    setup: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    srv = LocalServer(_echo)
    try:
        config, secrets = _secret_config(setup, srv.port)
        error = _fail(config)
    finally:
        srv.close()
    text = str(error)
    assert text.startswith("webhook answered 400: bad request <secret>")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST" in logged
    for secret in secrets:
        assert secret not in text, secret
        assert secret not in logged, secret


@pytest.mark.parametrize("setup", sorted(SECRET_SETUPS))
def test_no_secret_shows_when_the_connection_fails(setup: str) -> None:
    config, secrets = _secret_config(setup, free_port())
    error = _fail(config)
    for secret in secrets:
        assert secret not in str(error), secret


def test_webhook_target_reads_the_url_or_the_url_file(tmp_path: Path) -> None:
    (tmp_path / "url").write_text("http://127.0.0.1:9/from-file\n")
    config = load_config_text(
        """
route: {receiver: hook}
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:9/inline
      - url_file: url
""",
        base_dir=tmp_path,
    )
    inline, from_file = config.receivers[0].webhook_configs
    assert webhook_target(inline) == "http://127.0.0.1:9/inline"
    assert webhook_target(from_file) == "http://127.0.0.1:9/from-file"


def test_a_client_from_the_factory_is_used_and_left_open(server: LocalServer) -> None:
    made: list[HTTPClientConfig | None] = []
    client = httpx.AsyncClient()

    def factory(http_config: HTTPClientConfig | None) -> httpx.AsyncClient:
        made.append(http_config)
        return client

    async def main() -> None:
        channel: Channel = WebhookChannel(_config(server.url()), EXTERNAL, client_factory=factory)
        await channel.send(server.url(), MESSAGE, "k")
        assert isinstance(channel, WebhookChannel)
        await channel.aclose()
        assert not client.is_closed
        await client.aclose()

    asyncio.run(main())
    assert made == [None]
    assert len(server.seen) == 1


def test_an_http_config_that_cannot_be_honoured_fails_when_the_channel_is_built() -> None:
    config = _config("http://127.0.0.1:1/", http_config={"proxy_url": "ftp://127.0.0.1:1"})
    with pytest.raises(ValueError, match="proxy_url"):
        WebhookChannel(config, EXTERNAL)
