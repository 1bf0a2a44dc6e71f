"""The HTTP client the commands use to talk to a running tocsin (Alertmanager's API v2).

Every request the command line makes goes through :class:`Client`: one timeout, one set of
client settings, and one place where httpx's exceptions become the two failures a user acts
on::

    ClientError             one line, printed as is; the command exits 1
    ├── Unreachable         no connection, or no answer in time
    └── Refused             the server answered with an error status; its message kept

:func:`connect` is the boundary with the command line: it opens a client and turns a
:class:`ClientError` into that line on stderr and exit status 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson
import typer

from tocsin import __version__

__all__ = [
    "DEFAULT_URL",
    "Client",
    "ClientError",
    "Refused",
    "Unreachable",
    "connect",
    "redact_url",
]

DEFAULT_URL = "http://127.0.0.1:9093"
TIMEOUT_SECONDS = 30.0

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


class ClientError(Exception):
    """A request that failed in a way the user must act on; ``str()`` is one line."""


class Unreachable(ClientError):
    """No connection to the server, or no answer in time."""


class Refused(ClientError):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"tocsin answered {status}: {message}")
        self.status = status
        self.message = message


def _server_message(response: httpx.Response) -> str:
    """The message in an error answer: a JSON string, ``{"message": …}``, or the text."""
    text = response.text.strip()
    if not text:
        return response.reason_phrase or "no message"
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    if isinstance(body, str):
        return body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return text


class Client:
    """Alertmanager's API v2 on the server at ``url`` (a path prefix is kept)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.shown_url = redact_url(self.url)
        self._timeout = timeout
        self._http = httpx.Client(
            base_url=self.url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"tocsin-cli/{__version__}"},
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: object = None,
    ) -> httpx.Response:
        content = None if body is None else orjson.dumps(body)
        headers = {} if content is None else {"Content-Type": "application/json"}
        try:
            response = self._http.request(
                method, path, params=list(params), content=content, headers=headers
            )
        except httpx.ConnectError as exc:
            reason = _ERRNO.sub("", str(exc)) or type(exc).__name__
            raise Unreachable(f"cannot connect to tocsin at {self.shown_url}: {reason}") from exc
        except httpx.TimeoutException as exc:
            raise Unreachable(
                f"tocsin at {self.shown_url} did not answer within {self._timeout:g}s"
            ) from exc
        except httpx.HTTPError as exc:
            reason = _ERRNO.sub("", str(exc)) or type(exc).__name__
            raise Unreachable(f"request to tocsin at {self.shown_url} failed: {reason}") from exc
        if response.is_error or response.is_redirect:
            raise Refused(response.status_code, _server_message(response))
        return response

    def _unexpected(self, path: str, what: str) -> ClientError:
        return ClientError(f"unexpected answer from {self.shown_url}{path}: {what}")

    def _json(self, path: str, response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self._unexpected(path, "not JSON") from exc

    def _list(self, path: str, params: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        data = self._json(path, self._request("GET", path, params=params))
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise self._unexpected(path, "not a list")
        return data

    def alerts(
        self,
        *,
        filters: Sequence[str] = (),
        receiver: str | None = None,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
    ) -> list[dict[str, Any]]:
        """``GET /api/v2/alerts``: the alerts, as the server lists them."""
        params = [
            ("active", _flag(active)),
            ("silenced", _flag(silenced)),
            ("inhibited", _flag(inhibited)),
            ("unprocessed", _flag(unprocessed)),
        ]
        if receiver:
            params.append(("receiver", receiver))
        params += [("filter", text) for text in filters]
        return self._list("/api/v2/alerts", params)

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """``POST /api/v2/alerts``."""
        self._request("POST", "/api/v2/alerts", body=list(alerts))

    def silences(self, *, filters: Sequence[str] = ()) -> list[dict[str, Any]]:
        """``GET /api/v2/silences``: active, pending and expired silences."""
        params = [("filter", text) for text in filters]
        return self._list("/api/v2/silences", params)

    def post_silence(self, silence: Mapping[str, Any]) -> str:
        """``POST /api/v2/silences``: the new silence's id."""
        path = "/api/v2/silences"
        data = self._json(path, self._request("POST", path, body=dict(silence)))
        if not isinstance(data, dict) or not isinstance(data.get("silenceID"), str):
            raise self._unexpected(path, "no silenceID")
        return str(data["silenceID"])

    def expire_silence(self, silence_id: str) -> None:
        """``DELETE /api/v2/silence/{id}``."""
        self._request("DELETE", f"/api/v2/silence/{quote(silence_id, safe='')}")

    def status(self) -> dict[str, Any]:
        """``GET /api/v2/status``."""
        path = "/api/v2/status"
        data = self._json(path, self._request("GET", path))
        if not isinstance(data, dict):
            raise self._unexpected(path, "not an object")
        return data

    def deliveries(self, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """``GET /api/tocsin/v1/deliveries`` with ``params``."""
        path = "/api/tocsin/v1/deliveries"
        data = self._json(path, self._request("GET", path, params=params))
        if not isinstance(data, dict) or not isinstance(data.get("deliveries"), list):
            raise self._unexpected(path, "a delivery list")
        return data


def redact_url(url: str) -> str:
    """``url`` with the password of its user information hidden, for messages."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:<secret>@{hostport}"))


def _flag(value: bool) -> str:
    return "true" if value else "false"


@contextmanager
def connect(url: str) -> Iterator[Client]:
    """A client for ``url``; a :class:`ClientError` is printed and the command exits 1."""
    try:
        with Client(url) as client:
            yield client
    except ClientError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
