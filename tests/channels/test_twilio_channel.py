"""The Twilio channel sends SMS and calls as Twilio's REST API expects them, and judges its
answers by the one policy of every channel. Twilio is the fake on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from tests.channels.local_servers import forbid_non_local
from tests.support.fakes.twilio import DEFAULT_AUTH_TOKEN, DEFAULT_FROM, FakeTwilio
from tests.support.ports import free_port

from tocsin import __version__
from tocsin.channels import DeliveryError, Message, SendResult, Summary
from tocsin.channels.twilio import TwilioChannel, twilio_target
from tocsin.config import load_config_text
from tocsin.config.receivers import TwilioConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"
TO = "+14155550199"
SMS_TEXT = (
    "[{{ status | upper }}] {{ commonLabels.alertname }}\n\n  {{ commonAnnotations.summary }}"
)


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.close()


def _alert(summary: str = "disk almost full", **labels: str) -> Alert:
    labels = {"alertname": "Disk", **labels}
    return Alert(fingerprint(labels), labels, {"summary": summary}, NOW - 600, NOW + 300, NOW - 1)


def _message(*alerts: Alert, **extra: Any) -> Message:
    return Message(
        receiver="phones",
        status="firing",
        group_key='{}:{alertname="Disk"}',
        group_labels={"alertname": "Disk"},
        alerts=list(alerts) or [_alert(instance="db-1")],
        now=NOW,
        extra=extra,
    )


def _config(twilio: FakeTwilio | None, text: str = SMS_TEXT, **item: Any) -> TwilioConfig:
    """A ``twilio_configs`` entry loaded as tocsin loads it, pointed at the fake (or, without
    one, at a port where nothing listens)."""
    if twilio is None:
        twilio_url = f"http://127.0.0.1:{free_port()}"
        glob = FakeTwilio.global_yaml_for(twilio_url)
    else:
        glob = twilio.global_yaml()
    fields = {"to": TO, "text": text, **item}
    entry = ", ".join(f"{k}: {_yaml(v)}" for k, v in fields.items())
    config = load_config_text(
        f"global: {glob}\nroute: {{receiver: phones}}\n"
        f"receivers:\n  - name: phones\n    twilio_configs:\n      - {{{entry}}}\n"
    )
    item_config = config.receivers[0].twilio_configs[0]
    assert isinstance(item_config, TwilioConfig)
    return item_config


def _yaml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return str(value)


def _send(
    config: TwilioConfig,
    message: Message | None = None,
    target: str | None = None,
    **options: Any,
) -> SendResult:
    async def main() -> SendResult:
        channel = TwilioChannel(config, templates=Templates(), external_url=EXTERNAL, **options)
        try:
            return await channel.send(target or twilio_target(config), message or _message(), "k")
        finally:
            await channel.aclose()

    return asyncio.run(main())


def _fail(config: TwilioConfig, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(config, **options)
    return caught.value


# --- the requests --------------------------------------------------------------------


def test_an_sms_is_posted_to_messages_with_basic_auth_and_form_fields(twilio: FakeTwilio) -> None:
    result = _send(_config(twilio))
    (request,) = twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    token = base64.b64encode(f"{twilio.account_sid}:{DEFAULT_AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {token}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["user-agent"] == f"tocsin/{__version__}"
    assert request.form == {
        "To": TO,
        "From": DEFAULT_FROM,
        "Body": "[FIRING] Disk disk almost full",
    }
    (sms,) = twilio.messages
    assert (sms.to, sms.from_, sms.body) == (TO, DEFAULT_FROM, "[FIRING] Disk disk almost full")
    assert result == SendResult(status=201, reference=sms.sid)
    assert result.reference.startswith("SM")


def test_the_form_body_is_url_encoded(twilio: FakeTwilio) -> None:
    channel_text = "a+b & c=d ünïcode 🔥"
    _send(_config(twilio, text=channel_text))
    assert twilio.messages[0].body == channel_text


def test_a_call_is_posted_to_calls_with_twiml_saying_the_text_twice(twilio: FakeTwilio) -> None:
    text = "Alert {{ commonLabels.alertname }} on <{{ commonLabels.instance }}> & more"
    result = _send(_config(twilio, text=text, mode="voice"))
    (request,) = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Calls.json"
    assert set(request.form) == {"To", "From", "Twiml"}
    said = "Alert Disk on &lt;db-1&gt; &amp; more"
    assert request.form["Twiml"] == (
        f'<Response><Say>{said}</Say><Pause length="1"/><Say>{said}</Say></Response>'
    )
    (call,) = twilio.calls
    assert call.said == ("Alert Disk on <db-1> & more",) * 2
    assert result.reference == call.sid
    assert call.sid.startswith("CA")


def test_the_api_url_path_and_account_come_from_the_config(twilio: FakeTwilio) -> None:
    config = _config(twilio)
    assert config.api_url == twilio.url
    config.api_url = twilio.url + "/"  # a trailing slash makes no double slash
    _send(config)
    assert twilio.requests[0].path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"


# --- the text ------------------------------------------------------------------------


def test_the_sms_text_is_one_line_with_white_space_collapsed(twilio: FakeTwilio) -> None:
    _send(_config(twilio, text="line one\n\n\tline   two \r\n line three\n"))
    assert twilio.messages[0].body == "line one line two line three"


@pytest.mark.parametrize(
    ("max_length", "expected"),
    [(0, 1600), (20, 20), (5000, 1600)],  # never more than Twilio takes
)
def test_the_sms_text_is_cut_to_max_length_with_an_ellipsis(
    twilio: FakeTwilio, max_length: int, expected: int
) -> None:
    _send(_config(twilio, text="{% for i in range(400) %}word {% endfor %}", max_length=max_length))
    body = twilio.messages[0].body
    assert len(body) == expected
    assert body.endswith("word…")
    assert body.startswith("word word")


def test_a_short_text_is_not_cut(twilio: FakeTwilio) -> None:
    _send(_config(twilio, text="short", max_length=5))
    assert twilio.messages[0].body == "short"


def test_the_voice_text_is_cut_to_max_length(twilio: FakeTwilio) -> None:
    _send(_config(twilio, text="x" * 50, mode="voice", max_length=10))
    assert twilio.calls[0].said == ("x" * 9 + "…",) * 2


def test_a_long_voice_text_is_said_once_to_fit_twilios_twiml_limit(twilio: FakeTwilio) -> None:
    _send(_config(twilio, text="& " * 1500, mode="voice"))
    (call,) = twilio.calls
    assert len(call.twiml) <= 4000
    assert len(call.said) == 1
    assert call.said[0].endswith("…")


def test_an_empty_rendering_sends_a_plain_summary(
    twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    message = _message(_alert(instance="a"), _alert(instance="b"), summary=Summary(2, 7))
    _send(_config(twilio, text="{{ '' }}"), message)
    assert twilio.messages[0].body == "[FIRING:2] alertname=Disk disk almost full +7 more alerts"
    assert "rendered empty" in caplog.text


def test_a_template_that_fails_to_render_still_sends(twilio: FakeTwilio) -> None:
    templates = Templates()

    async def main() -> None:
        config = _config(twilio, text="{{ (alerts | length) // 0 }}")
        channel = TwilioChannel(config, templates=templates, external_url=EXTERNAL)
        try:
            await channel.send(TO, _message(), "k")
        finally:
            await channel.aclose()

    asyncio.run(main())
    assert templates.render_failures == 1
    (sms,) = twilio.messages
    assert "FIRING" in sms.body  # the default text (or, failing that, a plain summary)
    assert "Disk" in sms.body


def test_the_template_data_is_tocsins(twilio: FakeTwilio) -> None:
    text = "{{ severity }} {{ receiver }} {{ externalURL }} {{ more_alerts }}"
    _send(_config(twilio, text=text), _message(severity="P0", summary=Summary(1, 3)))
    assert twilio.messages[0].body == f"P0 phones {EXTERNAL} 3"


def test_a_template_warning_names_the_place_of_the_text_field(twilio: FakeTwilio) -> None:
    templates = Templates()

    async def main() -> None:
        channel = TwilioChannel(
            _config(twilio, text="{% if %}"),
            templates=templates,
            external_url=EXTERNAL,
            where=lambda field: f"tocsin.yml:9:13 ({field})",
        )
        await channel.aclose()

    asyncio.run(main())
    assert templates.warnings
    assert templates.warnings[0].startswith("tocsin.yml:9:13 (text): ")


# --- the answers ---------------------------------------------------------------------


def test_an_invalid_number_is_permanent_with_twilios_code_and_message(twilio: FakeTwilio) -> None:
    twilio.fail_next(400, code=21211, message=f"The 'To' number {TO} is not a valid phone number.")
    error = _fail(_config(twilio))
    assert error.retryable is False
    assert error.status == 400
    assert "21211" in str(error)
    assert "is not a valid phone number" in str(error)
    assert "https://www.twilio.com/docs/errors/21211" in str(error)
    assert TO not in str(error)  # the number is shown masked
    assert "+1415•••0199" in str(error)


def test_a_long_twilio_message_cut_in_the_answer_excerpt_still_shows_its_code(
    twilio: FakeTwilio,
) -> None:
    long_message = "The number is unverified. " * 20
    twilio.fail_next(400, code=21608, message=long_message)
    error = _fail(_config(twilio))
    assert "Twilio error 21608: The number is unverified." in str(error)
    assert error.retryable is False


def test_bad_credentials_are_permanent(twilio: FakeTwilio) -> None:
    error = _fail(_config(twilio, auth_token="wrong-token"))
    assert error.retryable is False
    assert error.status == 401
    assert "20003" in str(error)
    assert "Authenticate" in str(error)
    assert "wrong-token" not in str(error)


def test_too_many_requests_is_retryable_after_twilios_retry_after(twilio: FakeTwilio) -> None:
    twilio.fail_next(429, headers={"Retry-After": "7"})
    error = _fail(_config(twilio))
    assert error.retryable is True
    assert error.status == 429
    assert error.retry_after == 7.0
    assert "20429" in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_retryable(twilio: FakeTwilio, status: int) -> None:
    twilio.fail_next(status)
    error = _fail(_config(twilio))
    assert (error.retryable, error.status) == (True, status)


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 422])
def test_any_other_4xx_is_permanent(twilio: FakeTwilio, status: int) -> None:
    twilio.fail_next(status)
    assert _fail(_config(twilio)).retryable is False


def test_an_error_that_is_not_twilio_json_shows_the_start_of_the_answer(
    twilio: FakeTwilio,
) -> None:
    twilio.fail_next(502, body=b"<html>bad gateway</html>")
    error = _fail(_config(twilio))
    assert error.retryable is True
    assert "bad gateway" in str(error)


@pytest.mark.parametrize("body", [b'{"sid": "SM01', b"", b"[1, 2]", b'{"status": "queued"}'])
def test_a_created_answer_without_its_json_is_delivered_and_logged(
    twilio: FakeTwilio, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    twilio.malformed_next(body=body or b" ")
    result = _send(_config(twilio))
    assert result == SendResult(status=201, reference="")
    assert len(twilio.messages) == 1
    assert "no SID" in caplog.text
    assert TO not in caplog.text


def test_a_timeout_is_retryable(twilio: FakeTwilio) -> None:
    twilio.hang_next()
    error = _fail(_config(twilio), timeout=0.2)
    assert error.retryable is True
    assert "Timeout" in str(error)


def test_a_refused_connection_is_retryable() -> None:
    config = _config(None)
    error = _fail(config)
    assert error.retryable is True
    assert error.status is None


def test_no_secret_shows_in_errors_or_logs_even_when_twilio_echoes_them(
    twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    basic = base64.b64encode(f"{twilio.account_sid}:{DEFAULT_AUTH_TOKEN}".encode()).decode()
    messages = []
    for echo in (DEFAULT_AUTH_TOKEN, basic, f"Basic {basic}"):
        twilio.fail_next(400, code=20001, message=f"bad request with {echo}")
        messages.append(str(_fail(_config(twilio))))
    twilio.malformed_next(body=DEFAULT_AUTH_TOKEN.encode())
    _send(_config(twilio))
    twilio.hang_next()
    messages.append(str(_fail(_config(twilio), timeout=0.2)))
    messages.append(str(_fail(_config(None))))
    shown = "\n".join(messages) + caplog.text
    assert "<secret>" in messages[0]
    assert DEFAULT_AUTH_TOKEN not in shown
    assert basic not in shown


# --- the target ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["", "4155550199", "+0155550199", "+1 415 555 0199", "tel:+1"])
def test_a_target_that_is_not_e164_is_permanent_and_sends_nothing(
    twilio: FakeTwilio, target: str
) -> None:
    error = _fail(_config(twilio), target=target or " ")
    assert error.retryable is False
    assert "E.164" in str(error)
    assert not twilio.requests


def test_the_target_of_a_config_is_its_to_number(twilio: FakeTwilio) -> None:
    assert twilio_target(_config(twilio)) == TO


def test_display_masks_the_middle_digits(twilio: FakeTwilio) -> None:
    async def main() -> str:
        channel = TwilioChannel(_config(twilio), templates=Templates(), external_url=EXTERNAL)
        await channel.aclose()
        return channel.display("+14155550100")

    assert asyncio.run(main()) == "+1415•••0100"


# --- pages to people -----------------------------------------------------------------


def _people(
    twilio: FakeTwilio, mode: Literal["sms", "voice"] = "sms", **glob: str
) -> TwilioChannel:
    keys = {**twilio.global_config(), **glob}
    lines = "".join(f"  {k}: {_yaml(v)}\n" for k, v in keys.items())
    config = load_config_text(
        f"global:\n{lines}route: {{receiver: r}}\nreceivers: [{{name: r, log_configs: [{{}}]}}]\n"
    )
    return TwilioChannel.for_people(
        config.global_, templates=Templates(), external_url=EXTERNAL, mode=mode
    )


@pytest.mark.parametrize(("mode", "resource"), [("sms", "Messages"), ("voice", "Calls")])
def test_for_people_sends_with_the_global_account_to_the_number_given(
    twilio: FakeTwilio, mode: Literal["sms", "voice"], resource: str
) -> None:
    async def main() -> SendResult:
        channel = _people(twilio, mode)
        try:
            return await channel.send("+33612345678", _message(), "k")
        finally:
            await channel.aclose()

    result = asyncio.run(main())
    (request,) = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/{resource}.json"
    assert request.authorization == (twilio.account_sid, DEFAULT_AUTH_TOKEN)
    assert (request.form["To"], request.form["From"]) == ("+33612345678", DEFAULT_FROM)
    assert result.reference


def test_for_people_refuses_a_target_that_is_not_e164(twilio: FakeTwilio) -> None:
    async def main() -> None:
        channel = _people(twilio)
        try:
            await channel.send("0612345678", _message(), "k")
        finally:
            await channel.aclose()

    with pytest.raises(DeliveryError) as caught:
        asyncio.run(main())
    assert caught.value.retryable is False
    assert "E.164" in str(caught.value)
    assert not twilio.requests


@pytest.mark.parametrize("missing", ["twilio_account_sid", "twilio_auth_token", "twilio_from"])
def test_for_people_without_global_twilio_settings_names_the_missing_key(
    twilio: FakeTwilio, missing: str
) -> None:
    with pytest.raises(ValueError, match=f"global.{missing} is not set"):
        _people(twilio, "sms", **{missing: ""})


def test_for_people_reads_the_auth_token_file(twilio: FakeTwilio, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(DEFAULT_AUTH_TOKEN + "\n")

    async def main() -> None:
        channel = _people(twilio, twilio_auth_token="", twilio_auth_token_file=str(token_file))
        try:
            await channel.send(TO, _message(), "k")
        finally:
            await channel.aclose()

    asyncio.run(main())
    assert len(twilio.messages) == 1


# --- the client ----------------------------------------------------------------------


def test_a_client_from_the_factory_is_used_and_left_open(twilio: FakeTwilio) -> None:
    import httpx

    async def main() -> bool:
        client = httpx.AsyncClient()
        seen: list[object] = []

        def factory(http_config: object) -> httpx.AsyncClient:
            seen.append(http_config)
            return client

        config = _config(twilio)
        channel = TwilioChannel(
            config, templates=Templates(), external_url=EXTERNAL, client_factory=factory
        )
        await channel.send(TO, _message(), "k")
        await channel.aclose()
        assert seen == [config.http_config]
        closed = client.is_closed
        await client.aclose()
        return closed

    assert asyncio.run(main()) is False
    assert len(twilio.messages) == 1
