"""Twilio's REST API on the wire: the resource paths, the form bodies, and its answers.

    POST {api_url}/2010-04-01/Accounts/{AccountSid}/Messages.json   To, From, Body
    POST {api_url}/2010-04-01/Accounts/{AccountSid}/Calls.json      To, From, Twiml

Both take ``application/x-www-form-urlencoded`` bodies and HTTP basic authentication
(the account SID and its auth token). A created resource is answered ``201`` with its JSON
(``sid``: ``SM…`` for a message, ``CA…`` for a call); an error with
``{"code": 21211, "message": "…", "more_info": "https://www.twilio.com/docs/errors/21211",
"status": 400}``.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from dataclasses import dataclass

import orjson

__all__ = [
    "API_VERSION",
    "TwilioError",
    "basic_auth",
    "form_body",
    "parse_error",
    "parse_sid",
    "resource_url",
]

API_VERSION = "2010-04-01"

_CODE = re.compile(r'"code"\s*:\s*(\d+)')
_MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)')
_MORE_INFO = re.compile(r'"more_info"\s*:\s*"([^"\\]*)"')


def resource_url(api_url: str, account_sid: str, resource: str) -> str:
    """The URL that creates a ``resource`` ("Messages" or "Calls") of an account."""
    sid = urllib.parse.quote(account_sid, safe="")
    return f"{api_url.rstrip('/')}/{API_VERSION}/Accounts/{sid}/{resource}.json"


def basic_auth(account_sid: str, auth_token: str) -> str:
    """The ``Authorization`` header value for an account."""
    pair = f"{account_sid}:{auth_token}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def form_body(fields: dict[str, str]) -> bytes:
    """A form-encoded request body (UTF-8, spaces as ``+``)."""
    return urllib.parse.urlencode(fields).encode("ascii")


@dataclass(frozen=True, slots=True)
class TwilioError:
    """What an error answer said: Twilio's error code, message and documentation link."""

    code: int | None
    message: str
    more_info: str = ""

    def __str__(self) -> str:
        head = f"Twilio error {self.code}" if self.code is not None else "Twilio error"
        text = f"{head}: {self.message}" if self.message else head
        return f"{text} ({self.more_info})" if self.more_info else text


def parse_error(excerpt: str) -> TwilioError | None:
    """Twilio's error in the start of an answer's body, or None when it is not one.

    The excerpt may be cut short (long messages are), so the fields are read one by one
    and a message cut in the middle is kept as far as it goes.
    """
    try:
        document = orjson.loads(excerpt)
    except orjson.JSONDecodeError:
        return _parse_partial(excerpt)
    if not isinstance(document, dict):
        return None
    code = document.get("code")
    message = document.get("message")
    more_info = document.get("more_info")
    if not isinstance(code, int) and not isinstance(message, str):
        return None
    return TwilioError(
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        message.strip() if isinstance(message, str) else "",
        more_info if isinstance(more_info, str) else "",
    )


def _parse_partial(excerpt: str) -> TwilioError | None:
    code = _CODE.search(excerpt)
    message = _MESSAGE.search(excerpt)
    if code is None and message is None:
        return None
    text = ""
    if message is not None:
        raw = message.group(1).removesuffix("…")
        try:
            text = orjson.loads(f'"{raw}"')
        except orjson.JSONDecodeError:
            text = raw
        text = text.strip() + ("" if excerpt[message.end() :].startswith('"') else "…")
    more_info = _MORE_INFO.search(excerpt)
    return TwilioError(
        int(code.group(1)) if code is not None else None,
        text,
        more_info.group(1) if more_info is not None else "",
    )


def parse_sid(body: bytes) -> str | None:
    """The ``sid`` of a created resource's JSON, or None when the body is not such JSON."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    sid = document.get("sid")
    return sid if isinstance(sid, str) and sid else None
