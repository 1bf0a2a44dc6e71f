"""Every channel keeps its secrets: no error, log line or delivery-log target shows a
password, token, routing key or secret URL — even when the vendor echoes the request back
in its answer, and whatever way the delivery fails.

The same checks run for each channel, built the way the server builds it
(``build_endpoint``) from a configuration that holds known secrets.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
from collections.abc import Callable, Iterator

import pytest
from tests.channels.local_servers import LocalServer, Reply, Seen
from tests.support.fakes.smtp import FakeSMTP

from tocsin.channels import DeliveryError, Message
from tocsin.config import alertmanager_yaml, load_config_text, redacted_dict
from tocsin.model import Alert, fingerprint
from tocsin.pipeline import receiver_integrations
from tocsin.runtime.channels import Endpoint, build_endpoint

SECRETS = {
    "webhook": ["hook-path-secret-7d1", "hook-basic-password-3a"],
    "slack": ["T000/B000/slackhooksecret9"],
    "slack-bot": ["xoxb-bot-token-secret-41"],
    "pagerduty": ["PDROUTINGKEYSECRET0123456789ABCD"],
    "msteams": ["teams-workflow-sig-secret-55"],
    "msteamsv2": ["teamsv2-workflow-sig-secret-66"],
    "twilio": ["twilio-auth-token-secret-88"],
}


def _config(kind: str, base: str) -> str:
    receivers = {
        "webhook": f"""webhook_configs:
      - url: {base}/hook/hook-path-secret-7d1
        http_config: {{basic_auth: {{username: u, password: hook-basic-password-3a}}}}""",
        "slack": f"""slack_configs:
      - api_url: {base}/services/T000/B000/slackhooksecret9
        channel: "#ops\"""",
        "slack-bot": f"""slack_configs:
      - bot_token: xoxb-bot-token-secret-41
        web_api_url: {base}/api/
        channel: "#ops\"""",
        "pagerduty": f"""pagerduty_configs:
      - routing_key: PDROUTINGKEYSECRET0123456789ABCD
        url: {base}/v2/enqueue""",
        "msteams": f"""msteams_configs:
      - webhook_url: {base}/workflows/teams-workflow-sig-secret-55""",
        "msteamsv2": f"""msteamsv2_configs:
      - webhook_url: {base}/workflows/teamsv2-workflow-sig-secret-66""",
        "twilio": f"""twilio_configs:
      - to: "+14155550199"
        from: "+14155550100"
        account_sid: AC0123456789abcdef0123456789abcdef
        auth_token: twilio-auth-token-secret-88
        api_url: {base}""",
    }
    return f"""
route: {{receiver: r}}
receivers:
  - name: r
    {receivers[kind]}
"""


def _endpoint(kind: str, base: str) -> Endpoint:
    config = load_config_text(_config(kind, base))
    (integration,) = receiver_integrations(config.receivers)["r"]
    return build_endpoint(integration, "http://tocsin.example")


def _message() -> Message:
    labels = {"alertname": "Down", "severity": "critical"}
    alert = Alert(fingerprint(labels), labels, {"summary": "down"}, 1.7e9, 1.7e9 + 3600, 1.7e9)
    return Message("r", "firing", '{}:{alertname="Down"}', {"alertname": "Down"}, [alert], 1.7e9)


def _echo(status: int) -> Callable[[Seen], Reply]:
    """A vendor that answers ``status`` and echoes the whole request in its body."""

    def answer(seen: Seen) -> Reply:
        echoed = f"{seen.method} {seen.path} {seen.headers} ".encode() + seen.body
        headers = {"Content-Type": "text/plain"}
        if status == 429:
            headers["Retry-After"] = "1"
        return Reply(status=status, body=echoed, headers=headers)

    return answer


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


KINDS = sorted(SECRETS)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    return caplog


async def _send(endpoint: Endpoint) -> str:
    try:
        await endpoint.channel.send(endpoint.target, _message(), "key-1")
    except DeliveryError as exc:
        return str(exc)
    finally:
        close = getattr(endpoint.channel, "aclose", None)
        if close is not None:
            await close()
    return ""


def _assert_clean(kind: str, *texts: str) -> None:
    for text in texts:
        for secret in SECRETS[kind]:
            assert secret not in text, (kind, text)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_an_answer_that_echoes_the_request_shows_no_secret(
    kind: str, status: int, logs: pytest.LogCaptureFixture
) -> None:
    server = LocalServer(_echo(status))
    try:
        endpoint = _endpoint(kind, server.url("").rstrip("/"))
        error = asyncio.run(_send(endpoint))
    finally:
        server.close()
    assert server.seen, "the channel sent nothing"
    assert error, "an error answer must fail the delivery"
    _assert_clean(kind, error, endpoint.display, logs.text)


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_connection_shows_no_secret(kind: str, logs: pytest.LogCaptureFixture) -> None:
    endpoint = _endpoint(kind, f"http://127.0.0.1:{_closed_port()}")
    error = asyncio.run(_send(endpoint))
    assert error
    _assert_clean(kind, error, endpoint.display, logs.text)


@pytest.mark.parametrize("kind", KINDS)
def test_both_status_dumps_hide_the_secrets(kind: str) -> None:
    config = load_config_text(_config(kind, "http://127.0.0.1:9"))
    _assert_clean(kind, alertmanager_yaml(config), repr(redacted_dict(config)))


EMAIL_PASSWORD = "smtp-password-secret-99"
EMAIL_SECRET = "smtp-cram-secret-77"


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_email_refused_credentials_show_no_secret(
    mechanism: str, logs: pytest.LogCaptureFixture
) -> None:
    with FakeSMTP(users={"alice": "another password"}, mechanisms=[mechanism]) as smtp:
        secret_line = f"auth_secret: {EMAIL_SECRET}" if mechanism == "CRAM-MD5" else ""
        config = load_config_text(
            f"""
route: {{receiver: r}}
receivers:
  - name: r
    email_configs:
      - to: oncall@example.org
        from: tocsin@example.org
        smarthost: {smtp.address}
        require_tls: false
        auth_username: alice
        auth_password: {EMAIL_PASSWORD}
        {secret_line}
"""
        )
        (integration,) = receiver_integrations(config.receivers)["r"]
        endpoint = build_endpoint(integration, "http://tocsin.example")
        error = asyncio.run(_send(endpoint))
    assert error
    texts = [error, endpoint.display, logs.text, alertmanager_yaml(config)]
    texts.append(repr(redacted_dict(config)))
    for text in texts:
        for secret in (EMAIL_PASSWORD, EMAIL_SECRET):
            assert secret not in text
            assert base64.b64encode(secret.encode()).decode() not in text
