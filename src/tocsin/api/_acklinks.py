"""Acknowledge links: signed, expiring, single-use URLs in every page.

``GET /ack/{token}`` shows a confirmation page and changes nothing (mail scanners and chat
previews fetch links); the page's button ``POST``s to the same URL, which acknowledges the
incident as the person the page was sent to. A token is::

    v1.<base64url(JSON {"i": incident, "u": user, "e": expiry, "n": nonce})>.<base64url(HMAC)>

signed with a secret kept in the database, so every replica verifies what another made.
The nonce is spent on the first successful ``POST``; a second one is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tocsin.api.context import ApiContext

__all__ = ["AckClaim", "AckSigner", "ack_confirm_page", "ack_submit"]


@dataclass(frozen=True, slots=True)
class AckClaim:
    """What a valid token says: who may acknowledge which incident, until when."""

    incident: str
    user: str
    expires_at: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AckSigner:
    """Makes and checks acknowledge tokens with one secret."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, f"v1.{body}".encode(), hashlib.sha256).digest())

    def token(self, incident: str, user: str, expires_at: float, nonce: str = "") -> str:
        claim = {"i": incident, "u": user, "e": expires_at, "n": nonce or secrets.token_hex(8)}
        body = _b64(orjson.dumps(claim))
        return f"v1.{body}.{self._mac(body)}"

    def verify(self, token: str, now: float) -> AckClaim | str:
        """The claim of a valid, unexpired token, or why it is not one."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1":
            return "this link is not an acknowledge link"
        _, body, mac = parts
        if not hmac.compare_digest(mac, self._mac(body)):
            return "this link is not valid (it was changed, or made by another tocsin)"
        try:
            data = orjson.loads(_unb64(body))
            claim = AckClaim(str(data["i"]), str(data["u"]), float(data["e"]), str(data["n"]))
        except (ValueError, KeyError, TypeError):
            return "this link is not an acknowledge link"
        if now >= claim.expires_at:
            return "this link has expired; acknowledge in tocsin or with the CLI"
        return claim


AckHandler = Callable[[AckClaim], Awaitable[tuple[int, str, str]]]
"""Acknowledges for a claim: (HTTP status, title, message); spends the nonce."""


def _page(status: int, title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='robots' content='noindex'>"
        f"<title>{html.escape(title)} — tocsin</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _signer(ctx: ApiContext) -> AckSigner | None:
    signer = ctx.extra.get("ack_signer")
    return signer if isinstance(signer, AckSigner) else None


async def ack_confirm_page(request: Request, ctx: ApiContext) -> Response:
    """``GET /ack/{token}``: what acknowledging would do, and a button; changes nothing."""
    signer = _signer(ctx)
    if signer is None:
        return _page(503, "Not ready", "<p>tocsin is starting; try again in a moment.</p>")
    claim = signer.verify(request.path_params["token"], ctx.clock.now())
    if isinstance(claim, str):
        return _page(400, "Cannot acknowledge", f"<p>{html.escape(claim)}.</p>")
    describe = ctx.extra.get("describe_incident")
    title = ""
    if callable(describe):
        title = str(await describe(claim.incident))
    what = f"<p>Incident <strong>{html.escape(title or claim.incident)}</strong></p>"
    form = (
        "<form method='post'><button type='submit'>Acknowledge as "
        f"{html.escape(claim.user)}</button></form>"
    )
    return _page(200, "Acknowledge this incident?", what + form)


async def ack_submit(request: Request, ctx: ApiContext) -> Response:
    """``POST /ack/{token}``: acknowledge as the person the page went to, once."""
    signer = _signer(ctx)
    handler = ctx.extra.get("ack_handler")
    if signer is None or not callable(handler):
        return _page(503, "Not ready", "<p>tocsin is starting; try again in a moment.</p>")
    claim = signer.verify(request.path_params["token"], ctx.clock.now())
    if isinstance(claim, str):
        return _page(400, "Cannot acknowledge", f"<p>{html.escape(claim)}.</p>")
    status, title, message = await handler(claim)
    return _page(status, title, f"<p>{html.escape(message)}</p>")
