"""``oauth2`` in ``http_config``: the client-credentials flow of Go's ``x/oauth2``.

The token request is a form POST to ``token_url`` with ``grant_type=client_credentials``,
``scope`` (the scopes joined by spaces) and ``endpoint_params``. The client credentials go
in a basic ``Authorization`` header first; when the endpoint refuses them there, they are
sent in the form (``client_id``, ``client_secret``), and the way that worked is kept. The
answer may be JSON or form-encoded. A token is reused until 10 seconds before it expires
(one without ``expires_in`` never expires), and is sent as ``Authorization: <token_type>
<access_token>`` (``Bearer`` unless the endpoint says otherwise).

No message names the client secret or a token.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Generator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote_plus

import httpx
import orjson

from tocsin.config import OAuth2
from tocsin.model import Clock

__all__ = ["OAuth2Auth", "OAuth2Error"]

EXPIRY_DELTA = 10.0
_TOKEN_TYPES = {"bearer": "Bearer", "mac": "MAC", "basic": "Basic"}


class OAuth2Error(Exception):
    """The token endpoint gave no usable token. The message carries no secret."""


@dataclass(frozen=True, slots=True)
class _Token:
    header: str
    expires: float | None

    def valid(self, now: float) -> bool:
        return self.expires is None or now <= self.expires - EXPIRY_DELTA


def _expires_in(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(int(value))
        except ValueError:
            return 0.0
    return 0.0


def _fields(response: httpx.Response) -> Mapping[str, Any]:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", "text/plain"):
        return {k: v[0] for k, v in parse_qs(response.text).items()}
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise OAuth2Error("oauth2: cannot parse the token endpoint's answer as JSON") from None
    if not isinstance(data, dict):
        raise OAuth2Error("oauth2: the token endpoint's answer is not a JSON object")
    return data


class OAuth2Auth(httpx.Auth):
    """Adds the client-credentials token to each request, fetching it when needed.

    ``token_client`` sends the token requests (built from ``oauth2``'s own ``tls_config``
    and ``proxy_url``); ``clock`` says when a token has expired.
    """

    def __init__(
        self,
        config: OAuth2,
        token_client: httpx.AsyncClient,
        clock: Clock,
    ) -> None:
        self._config = config
        self._client = token_client
        self._clock = clock
        self._token: _Token | None = None
        self._style: str | None = None  # "header" or "params", once one has worked
        self._lock = asyncio.Lock()

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("oauth2 needs an async client")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = await self.authorization()
        yield request

    async def authorization(self) -> str:
        """The ``Authorization`` header value, from the cached token or a new one."""
        async with self._lock:
            if self._token is None or not self._token.valid(self._clock.now()):
                self._token = await self._fetch()
            return self._token.header

    async def _fetch(self) -> _Token:
        form = {"grant_type": "client_credentials"}
        if self._config.scopes:
            form["scope"] = " ".join(self._config.scopes)
        for key, value in self._config.endpoint_params.items():
            if key in form and key != "grant_type":
                raise OAuth2Error(f"oauth2: cannot overwrite parameter {key!r}")
            form[key] = value
        styles = [self._style] if self._style else ["header", "params"]
        failure: OAuth2Error | None = None
        for style in styles:
            try:
                token = await self._request(form, style)
            except OAuth2Error as exc:
                failure = exc
                continue
            self._style = style
            return token
        assert failure is not None
        raise failure

    async def _request(self, form: dict[str, str], style: str) -> _Token:
        config = self._config
        secret = config.client_secret.get_secret_value() if config.client_secret else ""
        data = dict(form)
        headers = {}
        if style == "header":
            pair = f"{quote_plus(config.client_id)}:{quote_plus(secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            data["client_id"] = config.client_id
            if secret:
                data["client_secret"] = secret
        now = self._clock.now()
        response = await self._client.post(config.token_url, data=data, headers=headers)
        if not 200 <= response.status_code < 300:
            text = response.text.replace(secret, "<secret>") if secret else response.text
            excerpt = text[:200].strip()
            detail = f": {excerpt}" if excerpt else ""
            raise OAuth2Error(f"oauth2: token endpoint answered {response.status_code}{detail}")
        fields = _fields(response)
        access = fields.get("access_token")
        if not isinstance(access, str) or not access:
            raise OAuth2Error("oauth2: server response missing access_token")
        kind = fields.get("token_type")
        kind = kind if isinstance(kind, str) else ""
        kind = _TOKEN_TYPES.get(kind.lower(), kind) or "Bearer"
        lifetime = _expires_in(fields.get("expires_in"))
        return _Token(f"{kind} {access}", now + lifetime if lifetime > 0 else None)
