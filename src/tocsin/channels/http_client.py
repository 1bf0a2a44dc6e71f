"""Every channel's HTTP: clients built from ``http_config``, and one way to send.

:func:`build_http_client` follows Prometheus' HTTP client (prometheus/common):

- ``basic_auth`` and ``authorization`` set ``Authorization`` unless the request has one
  (user info in the URL wins, as in Go); ``bearer_token`` arrives as an ``authorization``;
- ``oauth2`` runs the client-credentials flow (see ``_http_oauth2``) through its own
  ``tls_config`` and ``proxy_url``;
- ``tls_config``: ``ca_file`` replaces the system roots, ``cert_file`` + ``key_file`` give a
  client certificate, ``server_name`` is the name sent (SNI) and checked, also through a
  proxy, ``insecure_skip_verify`` checks nothing, ``min_version``/``max_version`` bound the
  protocol; relative paths are taken from ``base_dir``;
- ``proxy_url``, ``no_proxy``, ``proxy_from_environment`` (see ``_http_proxy``) and
  ``proxy_connect_header`` (sent on ``CONNECT`` only);
- ``follow_redirects`` (at most 10, as Go); ``enable_http2`` is ignored: HTTP/1.1 only.

Anything that cannot be honoured is a ``ValueError`` at build time naming the option.
Secrets stay out of messages: :func:`send_request` redacts them from every error, and the
``httpx`` request log shows a URL's scheme, host and port only.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import os
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import httpx

from tocsin import __version__
from tocsin.channels._http_oauth2 import OAuth2Auth, OAuth2Error
from tocsin.channels._http_proxy import ProxyPlan, plan_proxies
from tocsin.channels._http_tls import tls_context
from tocsin.channels._http_wire import AiohttpTransport
from tocsin.channels.base import DeliveryError
from tocsin.config import HTTPClientConfig, TLSConfig
from tocsin.model import Clock, SystemClock

__all__ = [
    "USER_AGENT",
    "Answer",
    "ClientFactory",
    "OAuth2Error",
    "build_http_client",
    "redact",
    "secret_values",
    "send_request",
]

ClientFactory = Callable[[HTTPClientConfig | None], httpx.AsyncClient]
"""Gives the HTTP client for an ``http_config``; its caller keeps the client's lifetime."""

USER_AGENT = f"tocsin/{__version__}"
EXCERPT_BYTES = 200
MAX_REDIRECTS = 10


# --- transport: direct or through a proxy, and what it owns ---------------------------


class _Closeable(Protocol):
    async def aclose(self) -> None: ...


class _Transport(httpx.AsyncBaseTransport):
    """Sends each request directly or through the proxy its plan names."""

    def __init__(
        self,
        pick: Callable[[httpx.URL], httpx.AsyncBaseTransport],
        owned: Sequence[_Closeable],
    ) -> None:
        self._pick = pick
        self._owned = owned

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pick(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for resource in self._owned:
            await resource.aclose()


def _transport(
    tls: TLSConfig | None,
    plan: ProxyPlan | None,
    connect_headers: list[tuple[str, str]],
    base_dir: Path | None,
    owned: Sequence[_Closeable] = (),
) -> _Transport:
    context = tls_context(tls, base_dir)
    direct = AiohttpTransport(context)
    if plan is None:
        return _Transport(lambda _: direct, [direct, *owned])
    via: dict[str, httpx.AsyncHTTPTransport] = {}
    for scheme, proxy in (("http", plan.http), ("https", plan.https)):
        if proxy is None:
            continue
        proxy_context = (
            tls_context(tls, base_dir, server_name=False) if proxy.scheme == "https" else None
        )
        headers = connect_headers if scheme == "https" and proxy.scheme.startswith("http") else []
        via[scheme] = httpx.AsyncHTTPTransport(
            verify=context,
            trust_env=False,
            proxy=httpx.Proxy(proxy, ssl_context=proxy_context, headers=headers),
        )

    def pick(url: httpx.URL) -> httpx.AsyncBaseTransport:
        if plan.proxy_for(url) is None or url.scheme not in via:
            return direct
        return via[url.scheme]

    return _Transport(pick, [direct, *via.values(), *owned])


# --- authentication -------------------------------------------------------------------


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class _HeaderAuth(httpx.Auth):
    """Sets a fixed ``Authorization`` unless the request has one, or user info in its URL."""

    def __init__(self, value: str) -> None:
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        if "authorization" not in request.headers:
            url = request.url
            has_user = bool(url.username or url.password)
            value = _basic(url.username, url.password) if has_user else self._value
            request.headers["Authorization"] = value
        yield request


def _auth(
    config: HTTPClientConfig,
    *,
    timeout: float,
    user_agent: str,
    base_dir: Path | None,
    clock: Clock,
    owned: list[_Closeable],
) -> httpx.Auth | None:
    if config.oauth2 is not None:
        oauth = config.oauth2
        plan = plan_proxies(
            proxy_url=oauth.proxy_url, no_proxy="", from_environment=False, environ={}
        )
        token_client = httpx.AsyncClient(
            transport=_transport(oauth.tls_config, plan, [], base_dir),
            timeout=timeout,
            headers={"User-Agent": user_agent},
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            trust_env=False,
        )
        owned.append(token_client)
        return OAuth2Auth(oauth, token_client, clock)
    authorization = config.authorization
    if authorization is not None and authorization.credentials:
        credentials = authorization.credentials.get_secret_value()
        return _HeaderAuth(f"{authorization.type or 'Bearer'} {credentials}")
    if config.basic_auth is not None:
        basic = config.basic_auth
        password = basic.password.get_secret_value() if basic.password else ""
        return _HeaderAuth(_basic(basic.username, password))
    return None


# --- the client -----------------------------------------------------------------------


class _RequestLogRedactor(logging.Filter):
    """Shows only scheme, host and port of URLs in the ``httpx`` request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _origin(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii')}/…"


def _redact_request_log() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RequestLogRedactor) for f in logger.filters):
        logger.addFilter(_RequestLogRedactor())


def build_http_client(
    config: HTTPClientConfig | None,
    *,
    timeout: float = 10.0,
    user_agent: str,
    base_dir: Path | None = None,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """An HTTP client that honours ``config`` (see the module's description).

    ``timeout`` bounds connecting, each read and each write; ``base_dir`` anchors relative
    TLS file paths; ``clock`` tells when an oauth2 token expires; ``environ`` (default
    ``os.environ``) is read once, here, for ``proxy_from_environment``. Raises
    ``ValueError`` naming the option that cannot be used. Closing the client closes all it
    holds (token client, proxy connections).
    """
    config = config or HTTPClientConfig()
    _redact_request_log()
    plan = plan_proxies(
        proxy_url=config.proxy_url,
        no_proxy=config.no_proxy,
        from_environment=config.proxy_from_environment,
        environ=os.environ if environ is None else environ,
    )
    owned: list[_Closeable] = []
    auth = _auth(
        config,
        timeout=timeout,
        user_agent=user_agent,
        base_dir=base_dir,
        clock=clock or SystemClock(),
        owned=owned,
    )
    connect_headers = [
        (name, value.get_secret_value())
        for name, values in config.proxy_connect_header.items()
        for value in values
    ]
    return httpx.AsyncClient(
        auth=auth,
        transport=_transport(config.tls_config, plan, connect_headers, base_dir, owned),
        timeout=timeout,
        headers={"User-Agent": user_agent},
        follow_redirects=config.follow_redirects,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
    )


# --- secrets and sending --------------------------------------------------------------


def secret_values(config: HTTPClientConfig | None) -> list[str]:
    """The secrets of an ``http_config``, to keep out of messages."""
    if config is None:
        return []
    found = []
    if config.basic_auth is not None and config.basic_auth.password:
        found.append(config.basic_auth.password.get_secret_value())
    if config.authorization is not None and config.authorization.credentials:
        found.append(config.authorization.credentials.get_secret_value())
    if config.oauth2 is not None and config.oauth2.client_secret:
        found.append(config.oauth2.client_secret.get_secret_value())
    for proxy in (config.proxy_url, config.oauth2.proxy_url if config.oauth2 else ""):
        found += _url_secrets(proxy)
    found += [v.get_secret_value() for vs in config.proxy_connect_header.values() for v in vs]
    return found


def _url_secrets(url: str) -> list[str]:
    """A secret URL and the parts of it that may show up alone."""
    return list(_url_parts(url))


@functools.lru_cache(maxsize=256)
def _url_parts(url: str) -> tuple[str, ...]:
    """``_url_secrets``, computed once per URL (a channel sends to the same one again)."""
    return tuple(_find_url_secrets(url))


def _find_url_secrets(url: str) -> list[str]:
    if not url:
        return []
    found = [url]
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return found
    found += [parsed.password, parsed.query.decode("ascii")]
    if len(parsed.path) > 1:
        found += [parsed.path, parsed.raw_path.decode("ascii")]
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``<secret>``, longest first."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "<secret>")
    return text


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: its status, the start of its body with secrets redacted, its
    ``Retry-After`` header, and (with ``read_body``) the whole body of a 2xx answer."""

    status: int
    excerpt: str
    retry_after: str | None = None
    body: bytes = b""


def _header_secrets(request: httpx.Request) -> list[str]:
    found = []
    for name in ("authorization", "proxy-authorization"):
        value = request.headers.get(name, "")
        found += [value, value.partition(" ")[2]]
    return found


async def _excerpt(response: httpx.Response, limit: int) -> bytes:
    data = bytearray()
    with contextlib.suppress(httpx.HTTPError):
        chunks = cast(AsyncGenerator[bytes], response.aiter_bytes())
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                data += chunk
                if len(data) > limit:
                    break
    return bytes(data)


async def send_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    name: str,
    content: bytes,
    headers: Mapping[str, str],
    secrets: Iterable[str] = (),
    read_body: bool = False,
    max_body: int = 1 << 20,
) -> Answer:
    """Send one request to a secret ``url`` and read the start of the answer.

    Raises ``DeliveryError``: retryable when the request failed on the way (connection,
    timeout, TLS, proxy, oauth2 token), not retryable when ``url`` cannot be sent to at
    all. Messages begin with ``name`` and never contain the URL or a secret.
    ``read_body`` reads a 2xx answer's body (at most ``max_body`` bytes) into
    ``Answer.body``, for vendors that say in it whether the request worked.
    """
    hidden = [*secrets, *_url_secrets(url)]
    try:
        request = client.build_request(method, url, content=content, headers=headers)
    except httpx.InvalidURL:
        raise DeliveryError(f"{name} URL is not a valid URL", retryable=False) from None
    try:
        response = await client.send(request, stream=True)
    except httpx.UnsupportedProtocol:
        raise DeliveryError(f"{name} URL is not an http or https URL", retryable=False) from None
    except (httpx.HTTPError, OAuth2Error, OSError) as exc:  # ssl.SSLError is an OSError
        detail = redact(str(exc), [*hidden, *_header_secrets(request)])
        reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        raise DeliveryError(f"{name} request failed: {reason}", retryable=True) from exc
    retry_after = response.headers.get("retry-after")
    if response.status_code // 100 == 2:
        if not read_body:  # delivered: the answer's text is not needed
            await response.aclose()
            return Answer(response.status_code, "", retry_after)
        try:
            body = await _excerpt(response, max_body)
        finally:
            await response.aclose()
        return Answer(response.status_code, "", retry_after, body[:max_body])
    hidden += _header_secrets(request) + _header_secrets(response.request)
    try:
        longest = max((len(s) for s in hidden), default=0)
        body = await _excerpt(response, EXCERPT_BYTES + longest)
    finally:
        await response.aclose()
    text = redact(body.decode("utf-8", "replace"), hidden)
    excerpt = text[:EXCERPT_BYTES].strip() + ("…" if len(text) > EXCERPT_BYTES else "")
    return Answer(response.status_code, excerpt, retry_after)
