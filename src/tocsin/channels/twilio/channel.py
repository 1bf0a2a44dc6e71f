"""The ``twilio`` channel: an SMS or a voice call through Twilio's REST API.

An SMS is ``POST …/Accounts/{AccountSid}/Messages.json`` with ``To``, ``From`` and ``Body``:
the rendered text on one line (newlines and runs of white space become one space), cut to
``max_length`` with "…" (0, or more than Twilio takes: 1600). A call is
``POST …/Calls.json`` with ``To``, ``From`` and ``Twiml``: the text (cut to ``max_length``,
at most 4000), XML-escaped, said twice with a one-second pause (once, cut to fit, when
twice would pass Twilio's 4000-character limit on ``Twiml``).
Requests use HTTP basic authentication (account SID, auth token) and the TLS and proxy
settings of ``http_config``; the ``Authorization`` they carry wins over its ``basic_auth``.

The answer is judged by the policy of every channel (``judge_status``): a 2xx is delivered
and its ``sid`` becomes ``SendResult.reference``; a 5xx, a 429 (code 20429, after its
``Retry-After``), a timeout or a refused connection may succeed on a retry; any other 4xx
(21211 invalid number, 20003 authentication, …) will not, and the error gives Twilio's code
and message. A 2xx whose body is not the JSON of a created resource is still delivered
(Twilio took the request), with no reference, and logged. The auth token never shows.

Twilio's REST API takes no idempotency key: a request in flight when tocsin stops may be
sent again after the restart, and reach the phone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from tocsin.channels.base import DeliveryError, Message, SendResult, judge_status
from tocsin.channels.http_client import (
    USER_AGENT,
    Answer,
    ClientFactory,
    build_http_client,
    secret_values,
    send_request,
)
from tocsin.channels.render import message_data
from tocsin.channels.twilio.text import (
    SMS_MAX_LENGTH,
    VOICE_MAX_LENGTH,
    is_e164,
    mask_number,
    one_line,
    say_twice,
    truncate,
)
from tocsin.channels.twilio.wire import (
    basic_auth,
    form_body,
    parse_error,
    parse_sid,
    resource_url,
)
from tocsin.config import GlobalConfig
from tocsin.config.receivers import TwilioConfig
from tocsin.templates import Templates

__all__ = ["DEFAULT_API_URL", "DEFAULT_TEXT", "ClientFactory", "TwilioChannel", "twilio_target"]

log = logging.getLogger("tocsin.channels.twilio")

Mode = Literal["sms", "voice"]


DEFAULT_API_URL = "https://api.twilio.com"
DEFAULT_TEXT: dict[str, str] = {
    "sms": '{% include "runbook.sms" %}',
    "voice": '{% include "runbook.voice" %}',
}
"""The text of each mode when the config's ``text`` is empty: tocsin's runbook templates."""


def twilio_target(config: TwilioConfig) -> str:
    """The phone number a ``twilio_configs`` entry sends to."""
    return config.to


def _no_source(field: str) -> str:
    return ""


class TwilioChannel:
    """Sends notifications to phones through one Twilio account, as SMS or voice calls.

    ``where(field)`` names the place of a config field ("file:line:col") in template
    warnings. Without ``client_factory`` the channel builds its own client from the config's
    ``http_config`` (``timeout``, ``base_dir`` for relative TLS files) and :meth:`aclose`
    closes it; a client from ``client_factory`` is left to whoever made the factory.
    Building raises ``ValueError`` when credentials are missing or the ``http_config``
    cannot be honoured.
    """

    def __init__(
        self,
        config: TwilioConfig,
        *,
        templates: Templates,
        external_url: str,
        where: Callable[[str], str] = _no_source,
        client_factory: ClientFactory | None = None,
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> None:
        token = config.auth_token.get_secret_value() if config.auth_token else ""
        if not config.account_sid:
            raise ValueError("twilio: no account SID")
        if not token:
            raise ValueError("twilio: no auth token")
        if not config.from_:
            raise ValueError("twilio: no from number")
        self.mode: Mode = config.mode
        self._what = f"twilio {config.mode}"
        self._from = config.from_
        resource = "Messages" if config.mode == "sms" else "Calls"
        self._url = resource_url(config.api_url or DEFAULT_API_URL, config.account_sid, resource)
        self._authorization = basic_auth(config.account_sid, token)
        self._secrets = [token, self._authorization, *secret_values(config.http_config)]
        limit = SMS_MAX_LENGTH if config.mode == "sms" else VOICE_MAX_LENGTH
        self._max_length = min(config.max_length or limit, limit)
        self._templates = templates
        self._external_url = external_url
        default = DEFAULT_TEXT[config.mode]
        self._text = templates.field(config.text or default, default=default, source=where("text"))
        if client_factory is None:
            self._client = build_http_client(
                config.http_config, timeout=timeout, user_agent=USER_AGENT, base_dir=base_dir
            )
            self._owns_client = True
        else:
            self._client = client_factory(config.http_config)
            self._owns_client = False

    @classmethod
    def for_people(
        cls,
        glob: GlobalConfig,
        *,
        templates: Templates,
        external_url: str,
        mode: Mode = "sms",
        where: Callable[[str], str] = _no_source,
        client_factory: ClientFactory | None = None,
        timeout: float = 10.0,
        base_dir: Path | None = None,
    ) -> TwilioChannel:
        """A channel that pages people at their own numbers, with the account, auth token,
        ``from`` number, API URL and ``http_config`` of ``global.twilio_*``; each send names
        the number. Raises ``ValueError`` naming the global key that is not set."""
        for key in ("twilio_account_sid", "twilio_auth_token", "twilio_from"):
            if not getattr(glob, key):
                raise ValueError(f"twilio: global.{key} is not set")
        config = TwilioConfig.model_construct(
            account_sid=glob.twilio_account_sid,
            auth_token=glob.twilio_auth_token,
            from_=glob.twilio_from,
            to="",
            mode=mode,
            api_url=glob.twilio_api_url,
            http_config=glob.http_config,
        )
        return cls(
            config,
            templates=templates,
            external_url=external_url,
            where=where,
            client_factory=client_factory,
            timeout=timeout,
            base_dir=base_dir,
        )

    def display(self, target: str) -> str:
        """``target`` as logs and pages show it, middle digits hidden: ``+1415•••0100``."""
        return mask_number(target)

    def text(self, message: Message) -> str:
        """The text sent for ``message``: the SMS ``Body``, or what a call says."""
        rendered = one_line(
            self._templates.render(self._text, message_data(message, self._external_url))
        )
        if not rendered:
            log.warning("%s: the text rendered empty; sending a plain summary", self._what)
            rendered = one_line(_plain_text(message))
        return truncate(rendered, self._max_length)

    def fields(self, target: str, message: Message) -> dict[str, str]:
        """The form fields posted for ``message`` to ``target``."""
        text = self.text(message)
        if self.mode == "sms":
            return {"To": target, "From": self._from, "Body": text}
        return {"To": target, "From": self._from, "Twiml": say_twice(text)}

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        """Send ``message`` to the phone number ``target`` (E.164, such as +14155550100).

        ``idempotency_key`` is not sent: Twilio's REST API has no place for it.
        """
        if not is_e164(target):
            raise DeliveryError(
                f"{self._what}: {self.display(target)!r} is not an E.164 phone number "
                "(such as +14155550100)",
                retryable=False,
            )
        headers = {
            "Authorization": self._authorization,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        answer = await send_request(
            self._client,
            "POST",
            self._url,
            name=self._what,
            content=form_body(self.fields(target, message)),
            headers=headers,
            secrets=self._secrets,
            read_body=True,
        )
        if answer.status // 100 != 2:
            raise self._error(answer, target, message.now)
        sid = parse_sid(answer.body)
        if sid is None:
            log.warning(
                "%s to %s: Twilio answered %d without the JSON of a created resource; "
                "counted as delivered, with no SID",
                self._what,
                self.display(target),
                answer.status,
            )
        return SendResult(status=answer.status, reference=sid or "")

    def _error(self, answer: Answer, target: str, now: float) -> DeliveryError:
        found = parse_error(answer.excerpt)
        detail = str(found) if found is not None else answer.excerpt
        detail = detail.replace(target, self.display(target))
        error = judge_status(
            answer.status, self._what, now=now, detail=detail, retry_after=answer.retry_after
        )
        if error is None:  # a 2xx is handled by the caller
            raise AssertionError(answer.status)
        return error

    async def aclose(self) -> None:
        """Close the HTTP client the channel built (not one from a factory)."""
        if self._owns_client:
            await self._client.aclose()


def _plain_text(message: Message) -> str:
    """What a page says when its template gives nothing: status, count, group and summary."""
    firing = [a for a in message.alerts if a.ends_at > message.now]
    count = len(firing) if message.status == "firing" else len(message.alerts)
    group = " ".join(f"{k}={v}" for k, v in sorted(message.group_labels.items()))
    shown = firing or list(message.alerts)
    summary = shown[0].annotations.get("summary", "") if shown else ""
    parts = [f"[{message.status.upper()}:{count}]", group, summary]
    held = message.summary
    if held is not None and held.alerts > 0:
        parts.append(f"+{held.alerts} more alerts")
    return " ".join(p for p in parts if p)
