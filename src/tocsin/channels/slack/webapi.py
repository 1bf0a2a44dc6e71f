"""Slack's answers, judged: the incoming webhook's text and the Web API's JSON.

An incoming webhook answers ``200 ok``, or a 4xx with a word (``invalid_payload``,
``channel_not_found``, ``no_service``…): the policy of every channel decides (5xx and 429
retryable, other 4xx not). The Web API answers HTTP 200 with ``{"ok": true, …}`` or
``{"ok": false, "error": "<code>"}``; HTTP 429 (``ratelimited``, with ``Retry-After``) and
5xx come first through the same policy. Of the error codes, only the ones Slack documents
as passing (:data:`RETRYABLE_ERRORS`) may succeed on a retry; every other code
(``invalid_auth``, ``channel_not_found``, ``not_in_channel``, ``is_archived``,
``msg_too_long``…) will not. A 2xx answer that is not the JSON object Slack sends may come
from a proxy in trouble: retryable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from tocsin.channels.base import DeliveryError, parse_retry_after
from tocsin.channels.http_client import Answer, redact

__all__ = [
    "GONE_ERRORS",
    "RETRYABLE_ERRORS",
    "SlackAPIError",
    "api_error",
    "parse_api_answer",
    "webhook_json_error",
]

RETRYABLE_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
"""Web API error codes that may pass on a later try."""

GONE_ERRORS = frozenset(
    {"message_not_found", "cant_update_message", "thread_not_found", "edit_window_closed"}
)
"""Codes that say a thread's parent can no longer be updated or replied to."""


class SlackAPIError(DeliveryError):
    """A delivery error Slack named with an error ``code`` (``channel_not_found``…)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable, status=status, retry_after=retry_after)
        self.code = code


def api_error(
    code: str,
    what: str,
    *,
    status: int,
    now: float,
    retry_after: str | None = None,
    detail: str = "",
    secrets: Iterable[str] = (),
) -> SlackAPIError:
    """The error for a Web API ``{"ok": false, "error": code}`` answer."""
    retryable = code in RETRYABLE_ERRORS
    tail = f" ({detail})" if detail else ""
    return SlackAPIError(
        redact(f"{what} failed: {code or 'no error code'}{tail}", secrets),
        code=code,
        retryable=retryable,
        status=status,
        retry_after=parse_retry_after(retry_after, now) if retryable else None,
    )


def _detail(answer: Mapping[str, Any]) -> str:
    """What Slack adds to some errors: the scope a token lacks, the arguments it disliked."""
    parts = []
    needed = answer.get("needed")
    if isinstance(needed, str) and needed:
        parts.append(f"needed scope {needed}")
    metadata = answer.get("response_metadata")
    if isinstance(metadata, Mapping):
        messages = metadata.get("messages")
        if isinstance(messages, list):
            parts += [str(m) for m in messages[:3]]
    return "; ".join(parts)


def parse_api_answer(
    answer: Answer, what: str, *, now: float, secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """The JSON object of a 2xx Web API answer with ``"ok": true``; raises ``DeliveryError``
    for ``"ok": false`` and for anything that is not Slack's JSON object."""
    try:
        parsed = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("ok"), bool):
        raise DeliveryError(
            f"{what} answered {answer.status} with a body that is not Slack's JSON answer",
            retryable=True,
            status=answer.status,
        )
    if parsed["ok"]:
        return parsed
    code = parsed.get("error")
    raise api_error(
        code if isinstance(code, str) else "",
        what,
        status=answer.status,
        now=now,
        retry_after=answer.retry_after,
        detail=_detail(parsed),
        secrets=secrets,
    )


def webhook_json_error(
    answer: Answer, what: str, *, now: float, secrets: Iterable[str] = ()
) -> DeliveryError | None:
    """The error a 2xx answer to a webhook request carries, if any.

    An incoming webhook answers ``ok``; an ``api_url`` that points at the Web API (with a
    token in ``http_config``) answers JSON, and its ``"ok": false`` is judged as the Web
    API's. Any other body is a delivery (Slack-compatible services answer in their own ways).
    """
    body = answer.body.strip()
    if not body.startswith(b"{"):
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict) or parsed.get("ok") is not False:
        return None
    code = parsed.get("error")
    return api_error(
        code if isinstance(code, str) else "",
        what,
        status=answer.status,
        now=now,
        retry_after=answer.retry_after,
        detail=_detail(parsed),
        secrets=secrets,
    )
