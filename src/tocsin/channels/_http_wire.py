"""The wire under the HTTP client: requests sent with aiohttp.

``httpx`` keeps what the channels rely on (authentication flows, redirects, the request
and response objects, errors); for direct connections its requests go over aiohttp's
connection pool, which costs a fifth of the CPU of httpx's own transport per request —
what decides how fast a storm of notifications goes out. Proxied requests keep httpx's
transport (``CONNECT`` headers, TLS to the proxy).

aiohttp's errors are turned into httpx's, so callers see one family of exceptions.
"""

from __future__ import annotations

import asyncio
import os
import ssl

import aiohttp
import httpx

__all__ = ["AiohttpTransport"]

_BODY_LIMIT = 1 << 20  # an answer is read up to this size; channels read only its start
# Headers aiohttp sets itself from the request it sends.
_SKIP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends over an aiohttp session (made on first use)."""

    def __init__(self, context: ssl.SSLContext, limit: int = 100) -> None:
        self._context = context
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, ssl=self._context)
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes the body as its headers say
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                trust_env=False,
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{request.url.scheme}://'.",
                request=request,
            )
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.decode("latin-1").lower() not in _SKIP
        ]
        body = await request.aread()
        session = self._open()
        limits = request.extensions.get("timeout", {})  # httpx's, per phase
        timeout = aiohttp.ClientTimeout(
            connect=limits.get("connect"),
            sock_read=limits.get("read"),
            total=None,
        )
        try:
            async with session.request(
                request.method,
                # httpx has turned user info into an Authorization header already
                str(request.url.copy_with(userinfo=b"")),
                data=body or None,
                headers=headers,
                allow_redirects=False,
                timeout=timeout,
                ssl=self._context if request.url.scheme == "https" else False,
            ) as answer:
                content = await answer.content.read(_BODY_LIMIT)
                raw_headers = [(k, v) for k, v in answer.raw_headers]
                status = answer.status
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(_connect_reason(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            reason = str(exc) or type(exc).__name__
            raise httpx.RemoteProtocolError(reason, request=request) from exc
        except (ssl.SSLError, OSError) as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return httpx.Response(status, headers=raw_headers, content=content, request=request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)  # let aiohttp finish closing its transports


def _connect_reason(exc: aiohttp.ClientConnectorError) -> str:
    """Why a connection failed, without the address (a webhook URL is a secret)."""
    cause = getattr(exc, "certificate_error", None)
    if cause is not None:
        return str(cause)
    error = exc.os_error
    if error.errno:  # asyncio's messages name the address; the error number does not
        return os.strerror(error.errno)
    return type(error).__name__
