"""The HTTP client built from ``http_config``: authentication, oauth2, TLS, proxies, redirects,
and secrets kept out of logs. Every server is on 127.0.0.1; nothing else is reachable."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import logging
import ssl
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest
from tests.channels.local_servers import (
    LocalProxy,
    LocalServer,
    Reply,
    Seen,
    TLSFiles,
    forbid_non_local,
    make_tls_files,
)

from tocsin.channels import build_http_client
from tocsin.channels._http_proxy import NoProxy, plan_proxies
from tocsin.channels.http_client import OAuth2Error
from tocsin.config import HTTPClientConfig
from tocsin.model import FakeClock

UA = "tocsin/test"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


@pytest.fixture
def proxy() -> Iterator[LocalProxy]:
    prx = LocalProxy()
    yield prx
    prx.close()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


def _config(**data: Any) -> HTTPClientConfig:
    return HTTPClientConfig.model_validate(data)


def _run(
    config: HTTPClientConfig | None,
    action: Callable[[httpx.AsyncClient], Awaitable[Any]],
    **options: Any,
) -> Any:
    async def main() -> Any:
        async with build_http_client(config, user_agent=UA, **options) as client:
            return await action(client)

    return asyncio.run(main())


def _post(url: str) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
    async def action(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(url, content=b"{}")

    return action


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --- authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "header"),
    [
        ({"basic_auth": {"username": "alice", "password": "s3cret"}}, _basic("alice", "s3cret")),
        ({"basic_auth": {"username": "alice"}}, _basic("alice", "")),
        ({"bearer_token": "tok-1"}, "Bearer tok-1"),
        ({"authorization": {"credentials": "tok-2"}}, "Bearer tok-2"),
        ({"authorization": {"type": "Token", "credentials": "tok-3"}}, "Token tok-3"),
        ({"authorization": {"type": "Token"}}, None),
        ({}, None),
    ],
)
def test_it_sends_the_configured_authorization(
    server: LocalServer, config: dict[str, Any], header: str | None
) -> None:
    response = _run(_config(**config), _post(server.url("/hook")))
    assert response.status_code == 200
    assert server.seen[0].headers.get("authorization") == header
    assert server.seen[0].headers["user-agent"] == UA


def test_user_info_in_the_url_wins_over_basic_auth_as_in_go(server: LocalServer) -> None:
    config = _config(basic_auth={"username": "alice", "password": "s3cret"})
    _run(config, _post(f"http://bob:pw@127.0.0.1:{server.port}/"))
    assert server.seen[0].headers["authorization"] == _basic("bob", "pw")


def test_bearer_token_file_is_read_at_load(server: LocalServer, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("from-file\n")
    config = HTTPClientConfig.model_validate(
        {"bearer_token_file": "token"}, context={"base_dir": tmp_path}
    )
    _run(config, _post(server.url()))
    assert server.seen[0].headers["authorization"] == "Bearer from-file"


@pytest.mark.parametrize(("follow", "final"), [(True, "/new"), (False, "/old")])
def test_follow_redirects_is_honoured(follow: bool, final: str) -> None:
    srv = LocalServer(
        lambda seen: Reply(302, headers={"Location": "/new"}) if seen.path == "/old" else Reply()
    )
    try:
        response = _run(_config(follow_redirects=follow), _post(srv.url("/old")))
    finally:
        srv.close()
    assert [s.path for s in srv.seen][-1] == final
    assert response.status_code == (200 if follow else 302)


# --- oauth2 ---------------------------------------------------------------------------


class TokenEndpoint:
    """A fake oauth2 token endpoint at /token; the API at any other path."""

    def __init__(self, answer: Callable[[Seen, int], Reply] | None = None) -> None:
        self.fetches: list[Seen] = []
        self._answer = answer or (lambda _seen, n: token_reply(f"tok-{n}", expires_in=3600))
        self.server = LocalServer(self._handle)

    def _handle(self, seen: Seen) -> Reply:
        if seen.path != "/token":
            return Reply()
        self.fetches.append(seen)
        return self._answer(seen, len(self.fetches))

    def form(self, index: int) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.fetches[index].body.decode()).items()}

    def api_authorizations(self) -> list[str | None]:
        return [s.headers.get("authorization") for s in self.server.seen if s.path != "/token"]


def token_reply(token: str, **extra: Any) -> Reply:
    body = orjson.dumps({"access_token": token, "token_type": "bearer", **extra})
    return Reply(200, body, {"Content-Type": "application/json"})


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    ep = TokenEndpoint()
    yield ep
    ep.server.close()


def _oauth(endpoint: TokenEndpoint, **extra: Any) -> HTTPClientConfig:
    oauth = {
        "client_id": "my client",
        "client_secret": "cl!ent-secret",
        "token_url": endpoint.server.url("/token"),
        **extra,
    }
    return _config(oauth2=oauth)


def _requests(urls: list[str], clock: FakeClock | None = None, *advances: float) -> Any:
    """Requests to ``urls``, moving ``clock`` on by ``advances[i]`` after request ``i``."""

    async def action(client: httpx.AsyncClient) -> list[int]:
        codes = []
        for i, url in enumerate(urls):
            codes.append((await client.post(url, content=b"{}")).status_code)
            if clock is not None and i < len(advances):
                clock.advance(advances[i])
        return codes

    return action


def test_oauth2_fetches_a_token_with_client_credentials(endpoint: TokenEndpoint) -> None:
    config = _oauth(endpoint, scopes=["read", "write"], endpoint_params={"audience": "tocsin"})
    _run(config, _requests([endpoint.server.url("/api")]))
    assert endpoint.form(0) == {
        "grant_type": "client_credentials",
        "scope": "read write",
        "audience": "tocsin",
    }
    # x/oauth2 query-escapes the credentials inside the basic header
    assert endpoint.fetches[0].headers["authorization"] == _basic("my+client", "cl%21ent-secret")
    assert endpoint.fetches[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert endpoint.api_authorizations() == ["Bearer tok-1"]


def test_oauth2_token_is_reused_until_ten_seconds_before_it_expires(
    endpoint: TokenEndpoint,
) -> None:
    clock = FakeClock(1_800_000_000.0)
    url = endpoint.server.url("/api")
    # expires_in 3600: requests at +0, +3590 (still valid), +3591 (within 10 s: a new token)
    _run(_oauth(endpoint), _requests([url, url, url], clock, 3590, 1), clock=clock)
    assert endpoint.api_authorizations() == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert len(endpoint.fetches) == 2


def test_oauth2_token_without_expiry_is_kept() -> None:
    ep = TokenEndpoint(lambda _seen, n: token_reply(f"tok-{n}"))
    clock = FakeClock(1_800_000_000.0)
    url = ep.server.url("/api")
    try:
        _run(_oauth(ep), _requests([url, url], clock, 365 * 86400), clock=clock)
    finally:
        ep.server.close()
    assert ep.api_authorizations() == ["Bearer tok-1", "Bearer tok-1"]


def test_oauth2_falls_back_to_credentials_in_the_form_and_remembers_it() -> None:
    def answer(seen: Seen, n: int) -> Reply:
        if "authorization" in seen.headers:
            return Reply(401, b'{"error":"invalid_client"}')
        return token_reply(f"tok-{n}", expires_in=60)

    ep = TokenEndpoint(answer)
    clock = FakeClock(1_800_000_000.0)
    url = ep.server.url("/api")
    try:
        _run(_oauth(ep), _requests([url, url], clock, 100), clock=clock)
    finally:
        ep.server.close()
    assert len(ep.fetches) == 3  # header (refused), form, then straight to form
    assert ep.form(1)["client_id"] == "my client"
    assert ep.form(1)["client_secret"] == "cl!ent-secret"
    assert "authorization" not in ep.fetches[2].headers
    assert ep.api_authorizations() == ["Bearer tok-2", "Bearer tok-3"]


def test_oauth2_reads_form_encoded_answers_and_the_token_type() -> None:
    body = b"access_token=abc&token_type=mac&expires_in=60"
    ep = TokenEndpoint(lambda _seen, _n: Reply(200, body, {"Content-Type": "text/plain"}))
    try:
        _run(_oauth(ep), _requests([ep.server.url("/api")]))
    finally:
        ep.server.close()
    assert ep.api_authorizations() == ["MAC abc"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(401, b"bad client cl!ent-secret"), "token endpoint answered 401: bad client"),
        (Reply(200, b'{"token_type":"bearer"}'), "missing access_token"),
        (Reply(200, b"<html>"), "cannot parse"),
    ],
)
def test_oauth2_failures_say_why_without_the_secret(reply: Reply, message: str) -> None:
    ep = TokenEndpoint(lambda _seen, _n: reply)
    try:
        with pytest.raises(OAuth2Error) as caught:
            _run(_oauth(ep), _requests([ep.server.url("/api")]))
    finally:
        ep.server.close()
    assert message in str(caught.value)
    assert "cl!ent-secret" not in str(caught.value)
    assert ep.api_authorizations() == []


def test_oauth2_endpoint_params_cannot_replace_the_scope(endpoint: TokenEndpoint) -> None:
    config = _oauth(endpoint, scopes=["a"], endpoint_params={"scope": "b"})
    with pytest.raises(OAuth2Error, match="cannot overwrite parameter 'scope'"):
        _run(config, _requests([endpoint.server.url("/api")]))


def test_oauth2_uses_its_own_tls_config(tls_files: TLSFiles) -> None:
    token_server = LocalServer(lambda _: token_reply("tls-tok"), tls=tls_files.server_context())
    api = LocalServer()
    oauth = {
        "client_id": "c",
        "client_secret": "s",
        "token_url": token_server.url("/token"),
        "tls_config": {"ca_file": str(tls_files.ca), "server_name": "webhook.test"},
    }
    try:
        _run(_config(oauth2=oauth), _post(api.url()))
    finally:
        token_server.close()
        api.close()
    assert api.seen[0].headers["authorization"] == "Bearer tls-tok"


# --- TLS ------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tls_files: TLSFiles) -> Iterator[LocalServer]:
    srv = LocalServer(tls=tls_files.server_context())
    yield srv
    srv.close()


def _tls(tls_files: TLSFiles, **tls: Any) -> HTTPClientConfig:
    return _config(tls_config={"ca_file": str(tls_files.ca), **tls})


def test_tls_with_the_ca_and_server_name(tls_server: LocalServer, tls_files: TLSFiles) -> None:
    response = _run(_tls(tls_files, server_name="webhook.test"), _post(tls_server.url()))
    assert response.status_code == 200
    assert len(tls_server.seen) == 1


@pytest.mark.parametrize(
    "tls",
    [
        {"server_name": "other.test"},  # the certificate is for webhook.test only
        {},  # dialled as 127.0.0.1
    ],
)
def test_tls_refuses_a_certificate_for_another_name(
    tls_server: LocalServer, tls_files: TLSFiles, tls: dict[str, str]
) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _run(_tls(tls_files, **tls), _post(tls_server.url()))
    assert tls_server.seen == []


def test_tls_without_the_ca_does_not_trust_the_server(tls_server: LocalServer) -> None:
    config = _config(tls_config={"server_name": "webhook.test"})
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _run(config, _post(tls_server.url()))


def test_insecure_skip_verify_accepts_any_certificate(tls_server: LocalServer) -> None:
    response = _run(_config(tls_config={"insecure_skip_verify": True}), _post(tls_server.url()))
    assert response.status_code == 200


def test_client_certificate_is_presented(tls_files: TLSFiles, tmp_path: Path) -> None:
    srv = LocalServer(tls=tls_files.server_context(client_certs=True))
    with_cert = _tls(
        tls_files,
        server_name="webhook.test",
        cert_file=str(tls_files.client_cert),
        key_file=str(tls_files.client_key),
    )
    try:
        assert _run(with_cert, _post(srv.url())).status_code == 200
        # The refusal may come during the handshake or with the first read (TLS 1.3).
        with pytest.raises((httpx.HTTPError, ssl.SSLError)):
            _run(_tls(tls_files, server_name="webhook.test"), _post(srv.url()))
    finally:
        srv.close()
    assert len(srv.seen) == 1


def test_relative_tls_paths_are_taken_from_base_dir(
    tls_server: LocalServer, tls_files: TLSFiles
) -> None:
    base = tls_files.ca.parent
    config = HTTPClientConfig.model_validate(
        {"tls_config": {"ca_file": tls_files.ca.name, "server_name": "webhook.test"}},
        context={"base_dir": base},
    )
    response = _run(config, _post(tls_server.url()), base_dir=base)
    assert response.status_code == 200


@pytest.mark.parametrize(("min_version", "works"), [("TLS12", True), ("TLS13", False)])
def test_min_version_is_enforced(tls_files: TLSFiles, min_version: str, works: bool) -> None:
    srv = LocalServer(tls=tls_files.server_context(max_version=ssl.TLSVersion.TLSv1_2))
    config = _tls(tls_files, server_name="webhook.test", min_version=min_version)
    try:
        if works:
            assert _run(config, _post(srv.url())).status_code == 200
        else:
            with pytest.raises(httpx.ConnectError):
                _run(config, _post(srv.url()))
    finally:
        srv.close()


@pytest.mark.parametrize(
    ("tls", "message"),
    [
        ({"min_version": "TLS13", "max_version": "TLS12"}, "max_version must be greater"),
        ({"ca_file": "KEY"}, "unable to use specified CA cert"),
    ],
)
def test_unusable_tls_settings_fail_at_build(
    tls_files: TLSFiles, tls: dict[str, str], message: str
) -> None:
    paths = {"CA": str(tls_files.ca), "KEY": str(tls_files.server_key)}
    config = _config(tls_config={k: paths.get(v, v) for k, v in tls.items()})
    with pytest.raises(ValueError, match=message):
        build_http_client(config, user_agent=UA)


@pytest.mark.parametrize(
    ("tls", "message"),
    [
        ({"cert_file": "CA"}, "specified without client key file"),
        ({"key_file": "CA"}, "specified without client cert file"),
    ],
)
def test_half_a_client_certificate_is_refused_at_load(
    tls_files: TLSFiles, tls: dict[str, str], message: str
) -> None:
    paths = {"CA": str(tls_files.ca)}
    with pytest.raises(ValueError, match=message):
        _config(tls_config={k: paths.get(v, v) for k, v in tls.items()})


# --- proxies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "host", "port", "exempt"),
    [
        ("", "localhost", "80", True),
        ("other.test", "127.0.0.1", "8080", True),
        ("", "::1", "443", True),
        ("example.com", "example.com", "443", True),
        ("example.com", "api.example.com", "443", True),
        ("example.com", "badexample.com", "443", False),
        (".example.com", "example.com", "443", False),
        (".example.com", "api.example.com", "443", True),
        ("*.example.com", "api.example.com", "443", True),
        ("example.com:443", "example.com", "8443", False),
        ("example.com:443", "example.com", "443", True),
        ("10.0.0.0/8", "10.1.2.3", "80", True),
        ("10.0.0.0/8", "11.1.2.3", "80", False),
        ("10.1.2.3:81", "10.1.2.3", "80", False),
        ("10.1.2.3:81", "10.1.2.3", "81", True),
        ("2001:db8::/32", "2001:db8::1", "443", True),
        ("[2001:db8::1]:443", "2001:db8::1", "443", True),
        (" foo.org , Example.COM ", "example.com", "80", True),
        ("*", "192.168.0.1", "80", True),
        ("foo.org", "example.com", "80", False),
    ],
)
def test_no_proxy_rules_are_go_s(spec: str, host: str, port: str, exempt: bool) -> None:
    assert NoProxy(spec).exempts(host, port) is exempt


def test_proxy_plan_picks_the_proxy_by_scheme_with_default_ports() -> None:
    environ = {
        "HTTP_PROXY": "proxy-a:3128",
        "https_proxy": "http://proxy-b:3128",
        "NO_PROXY": "example.com:443",
    }
    plan = plan_proxies(proxy_url="", no_proxy="", from_environment=True, environ=environ)
    assert plan is not None
    assert str(plan.proxy_for(httpx.URL("http://example.com/"))) == "http://proxy-a:3128"
    assert plan.proxy_for(httpx.URL("https://example.com/")) is None
    assert str(plan.proxy_for(httpx.URL("https://example.com:8443/"))) == "http://proxy-b:3128"


def test_proxy_url_without_no_proxy_proxies_loopback_too() -> None:
    plan = plan_proxies(proxy_url="http://p:1", no_proxy="", from_environment=False, environ={})
    assert plan is not None
    assert plan.proxy_for(httpx.URL("http://127.0.0.1:9/")) is not None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"proxy_url": "http://p:1", "proxy_from_environment": True}, "proxy_url must not"),
        ({"no_proxy": "x", "proxy_from_environment": True}, "no_proxy must not"),
        ({"no_proxy": "x"}, "proxy_url must also be configured"),
        ({"proxy_url": "ftp://user:hunter2@p:1"}, "proxy_url: unsupported proxy scheme 'ftp'"),
        ({"proxy_url": "socks5://user:hunter2@p:1"}, "proxy_url: a socks5 proxy needs"),
    ],
)
def test_unusable_proxy_settings_fail_at_build(options: dict[str, Any], message: str) -> None:
    if "socks5" in str(options) and importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed")
    with pytest.raises(ValueError, match=message) as caught:
        build_http_client(_config(**options), user_agent=UA, environ={})
    assert "hunter2" not in str(caught.value)


def test_environment_proxy_without_a_host_is_refused() -> None:
    with pytest.raises(ValueError, match=r"proxy_from_environment \(HTTPS_PROXY\)"):
        build_http_client(
            _config(proxy_from_environment=True),
            user_agent=UA,
            environ={"HTTPS_PROXY": "http://"},
        )


def test_proxy_url_carries_plain_http_requests(server: LocalServer, proxy: LocalProxy) -> None:
    config = _config(proxy_url=f"http://user:pw@127.0.0.1:{proxy.port}")
    _run(config, _post(server.url("/hook?x=1")))
    (seen,) = proxy.seen
    assert (seen.method, seen.path) == ("POST", server.url("/hook?x=1"))
    assert seen.headers["proxy-authorization"] == _basic("user", "pw")
    assert server.seen[0].path == "/hook?x=1"


def test_no_proxy_sends_loopback_direct_and_the_rest_through_the_proxy(
    server: LocalServer, proxy: LocalProxy
) -> None:
    config = _config(proxy_url=proxy.url, no_proxy="other.test")

    async def action(client: httpx.AsyncClient) -> None:
        await client.post(server.url("/direct"))
        await client.post(server.url("/proxied", host="webhook.test"))

    _run(config, action)
    assert [s.path for s in server.seen] == ["/direct", "/proxied"]
    assert [s.path for s in proxy.seen] == [server.url("/proxied", host="webhook.test")]


def test_proxy_from_environment(server: LocalServer, proxy: LocalProxy) -> None:
    config = _config(proxy_from_environment=True)

    async def action(client: httpx.AsyncClient) -> None:
        await client.post(server.url("/direct"))
        await client.post(server.url("/proxied", host="webhook.test"))

    _run(config, action, environ={"http_proxy": proxy.url, "NO_PROXY": ""})
    assert [s.path for s in proxy.seen] == [server.url("/proxied", host="webhook.test")]
    assert len(server.seen) == 2


def test_https_goes_through_a_connect_tunnel_with_the_connect_headers(
    tls_server: LocalServer, tls_files: TLSFiles, proxy: LocalProxy
) -> None:
    config = _config(
        proxy_url=proxy.url,
        proxy_connect_header={"X-Proxy-Token": ["p1", "p2"]},
        tls_config={"ca_file": str(tls_files.ca)},
    )
    response = _run(config, _post(tls_server.url("/hook", host="webhook.test")))
    assert response.status_code == 200
    (connect,) = proxy.seen
    assert (connect.method, connect.path) == ("CONNECT", f"webhook.test:{tls_server.port}")
    assert connect.headers["x-proxy-token"] == "p1, p2"
    assert "x-proxy-token" not in tls_server.seen[0].headers


def test_server_name_applies_inside_a_connect_tunnel(
    tls_server: LocalServer, tls_files: TLSFiles, proxy: LocalProxy
) -> None:
    config = _tls(tls_files, server_name="webhook.test")
    config.proxy_url = proxy.url
    response = _run(config, _post(tls_server.url("/hook")))
    assert response.status_code == 200
    assert proxy.seen[0].path == f"127.0.0.1:{tls_server.port}"


def test_connect_headers_are_not_sent_on_plain_http(server: LocalServer, proxy: LocalProxy) -> None:
    config = _config(proxy_url=proxy.url, proxy_connect_header={"X-Proxy-Token": ["p1"]})
    _run(config, _post(server.url()))
    assert "x-proxy-token" not in proxy.seen[0].headers
    assert "x-proxy-token" not in server.seen[0].headers


# --- logs -----------------------------------------------------------------------------


def test_the_request_log_shows_no_part_of_a_secret_url(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://user:hunter2@127.0.0.1:{server.port}/hooks/T0KEN?key=abc123"
    _run(_config(basic_auth={"username": "u", "password": "pa55word"}), _post(url))
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"http://127.0.0.1:{server.port}/…" in m for m in messages)
    for secret in ("hunter2", "T0KEN", "abc123", "pa55word"):
        assert not any(secret in m for m in messages), secret
