"""The e-mail channel speaks SMTP as Alertmanager 0.25 does, against an aiosmtpd server on
127.0.0.1: envelope, headers, MIME parts, STARTTLS, implicit TLS, AUTH, and every fault
ending as the right DeliveryError. Nothing but 127.0.0.1 is reachable."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from tests.channels.local_servers import TLSFiles, forbid_non_local, make_tls_files
from tests.support.fakes.smtp import FakeSMTP
from tests.support.ports import free_port

from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.channels.email import EmailChannel, deliver, email_target, uses_implicit_tls
from tocsin.config import load_config_text
from tocsin.config.receivers import EmailConfig
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"
SUBJECT = "[{{ status|upper }}] {{ groupLabels.alertname }} ({{ alerts|length }})"
TEXT = "{% for a in alerts %}{{ a.labels.instance }}: {{ a.annotations.summary }}\n{% endfor %}"
HTML = "<h1>{{ groupLabels.alertname }}</h1><p>{{ externalURL }}</p>"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


def _alert(ends: float, **labels: str) -> Alert:
    return Alert(fingerprint(labels), labels, {"summary": "disk full"}, NOW - 600, ends, NOW - 1)


MESSAGE = Message(
    receiver="team-x",
    status="firing",
    group_key='{}:{alertname="Disk"}',
    group_labels={"alertname": "Disk"},
    alerts=[_alert(NOW + 300, alertname="Disk", instance="db-1")],
    now=NOW,
)


def _load(
    smtp: FakeSMTP | str,
    base_dir: Path | None = None,
    glob: dict[str, Any] | None = None,
    **item: Any,
) -> EmailConfig:
    """An ``email_configs`` entry as the loader gives it (global defaults applied)."""
    entry: dict[str, Any] = {
        "to": "oncall@example.org",
        "from": "tocsin@example.org",
        "smarthost": smtp if isinstance(smtp, str) else smtp.address,
        "require_tls": False,
        "headers": {"Subject": SUBJECT},
        "html": HTML,
        **item,
    }
    entry = {key: value for key, value in entry.items() if value is not None}
    document = {
        "global": glob or {},
        "route": {"receiver": "mail"},
        "receivers": [{"name": "mail", "email_configs": [entry]}],
    }
    config = load_config_text(yaml.safe_dump(document), base_dir=base_dir or Path.cwd())
    return config.receivers[0].email_configs[0]


def _channel(
    config: EmailConfig, templates: Templates | None = None, **options: Any
) -> EmailChannel:
    options.setdefault("timeout", 5.0)
    return EmailChannel(
        config, templates=templates or Templates(), external_url=EXTERNAL, **options
    )


def _send(
    config: EmailConfig,
    *,
    channel: EmailChannel | None = None,
    target: str | None = None,
    key: str = "key-1",
    templates: Templates | None = None,
    **options: Any,
) -> SendResult:
    """Send MESSAGE to ``target`` (default: the config's) through a new channel."""
    sender = channel or _channel(config, templates, **options)

    async def main() -> SendResult:
        try:
            return await sender.send(target or email_target(config), MESSAGE, key)
        finally:
            await sender.aclose()

    return asyncio.run(main())


def _fail(config: EmailConfig, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(config, **options)
    return caught.value


@pytest.fixture
def smtp() -> Iterator[FakeSMTP]:
    with FakeSMTP() as server:
        yield server


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


def _tls(files: TLSFiles, **extra: Any) -> dict[str, Any]:
    return {"ca_file": str(files.ca), "server_name": "webhook.test", **extra}


# -- what goes on the wire -----------------------------------------------------------


def test_it_sends_the_envelope_headers_and_both_parts(smtp: FakeSMTP) -> None:
    config = _load(
        smtp,
        to="a@example.org, Ops Team <b@example.org>",
        **{"from": "Tocsin <tocsin@example.org>"},
        hello="tocsin.example.org",
        headers={"Subject": SUBJECT, "X-Group": "{{ groupKey }}"},
        text=TEXT,
    )
    result = _send(config, key="flush-7")
    (mail,) = smtp.wait_for_mail()
    assert mail.mail_from == "tocsin@example.org"
    assert mail.rcpt_tos == ("a@example.org", "b@example.org")
    assert mail.helo == "tocsin.example.org"
    message = mail.message
    assert message["From"] == "Tocsin <tocsin@example.org>"
    assert message["To"] == "a@example.org, Ops Team <b@example.org>"
    assert message["Subject"] == "[FIRING] Disk (1)"
    assert message["X-Group"] == '{}:{alertname="Disk"}'
    assert message["Date"] == "Fri, 15 Jan 2027 08:00:00 +0000"
    assert message["MIME-Version"] == "1.0"
    assert message["Message-Id"].endswith("@example.org>")
    assert result.reference == message["Message-Id"]
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
    assert mail.parts() == {
        "text/plain": "db-1: disk full\n",
        "text/html": f"<h1>Disk</h1><p>{EXTERNAL}</p>",
    }


def test_a_repeat_of_a_delivery_carries_the_same_message_id(smtp: FakeSMTP) -> None:
    config = _load(smtp)
    _send(config, key="flush-1")
    _send(config, key="flush-1")
    _send(config, key="flush-2")
    first, repeat, other = (m.message["Message-Id"] for m in smtp.wait_for_mail(3))
    assert first == repeat
    assert other != first


def test_html_empty_sends_the_text_part_only(smtp: FakeSMTP) -> None:
    _send(_load(smtp, html="", text="plain {{ status }}"))
    (mail,) = smtp.wait_for_mail()
    assert mail.parts() == {"text/plain": "plain firing"}


def test_non_ascii_is_q_encoded_in_headers_and_quoted_printable_in_parts(
    smtp: FakeSMTP,
) -> None:
    long_line = "é" * 100
    config = _load(smtp, headers={"Subject": "Disque plein ⚠ {{ status }}"}, html=long_line)
    _send(config)
    (mail,) = smtp.wait_for_mail()
    raw = mail.data.decode("ascii")  # nothing but ASCII on the wire
    assert "Subject: =?utf-8?q?Disque_plein_=E2=9A=A0_firing?=" in raw
    assert all(len(line) <= 78 for line in raw.split("\r\n"))
    assert mail.message["Subject"] == "Disque plein ⚠ firing"
    assert mail.parts() == {"text/html": long_line}


def test_a_rendered_line_break_cannot_add_a_header(smtp: FakeSMTP) -> None:
    config = _load(smtp, headers={"Subject": "{{ groupLabels.alertname }}\r\nBcc: x@evil.test"})
    _send(config)
    (mail,) = smtp.wait_for_mail()
    assert mail.message["Bcc"] is None
    assert mail.rcpt_tos == ("oncall@example.org",)


def test_the_to_field_is_a_template(smtp: FakeSMTP) -> None:
    config = _load(smtp, to="{{ groupLabels.alertname|lower }}-team@example.org")
    _send(config, target=email_target(config))
    (mail,) = smtp.wait_for_mail()
    assert mail.rcpt_tos == ("disk-team@example.org",)
    assert mail.message["To"] == "disk-team@example.org"


def test_non_ascii_addresses_are_sent_with_smtputf8(smtp: FakeSMTP) -> None:
    _send(_load(smtp, to="josé@example.org"))
    (mail,) = smtp.wait_for_mail()
    assert mail.rcpt_tos == ("josé@example.org",)


def test_an_unparsable_to_address_fails_permanently_without_connecting(smtp: FakeSMTP) -> None:
    error = _fail(_load(smtp, to="not an address"))
    assert error.retryable is False
    assert "to addresses" in str(error)
    assert smtp.connections == 0


def test_target_and_display() -> None:
    config = _load("127.0.0.1:25", to="a@example.org, Ops <b@example.org>")
    assert email_target(config) == "a@example.org, Ops <b@example.org>"
    channel = _channel(config)
    assert channel.display(email_target(config)) == "a@example.org, b@example.org"
    assert channel.display("{{ x }}") == "{{ x }}"


# -- TLS -----------------------------------------------------------------------------


def test_starttls_is_used_with_require_tls(tls_files: TLSFiles) -> None:
    with FakeSMTP(tls=tls_files.server_context()) as smtp:
        _send(_load(smtp, require_tls=True, tls_config=_tls(tls_files)))
        (mail,) = smtp.wait_for_mail()
    assert mail.starttls is True


def test_without_require_tls_the_session_stays_in_the_clear(tls_files: TLSFiles) -> None:
    """As Alertmanager: ``require_tls: false`` never upgrades, even when offered."""
    with FakeSMTP(tls=tls_files.server_context()) as smtp:
        _send(_load(smtp, require_tls=False))
        (mail,) = smtp.wait_for_mail()
    assert mail.starttls is False


def test_tls_files_are_relative_to_base_dir(tls_files: TLSFiles) -> None:
    with FakeSMTP(tls=tls_files.server_context()) as smtp:
        config = _load(
            smtp,
            base_dir=tls_files.ca.parent,
            require_tls=True,
            tls_config={"ca_file": "ca.pem", "server_name": "webhook.test"},
        )
        _send(config, base_dir=tls_files.ca.parent)
        (mail,) = smtp.wait_for_mail()
    assert mail.starttls is True


def test_require_tls_fails_permanently_when_starttls_is_not_offered(smtp: FakeSMTP) -> None:
    error = _fail(_load(smtp, require_tls=True))
    assert error.retryable is False
    assert str(error).endswith(
        f'require_tls: true (default), but "{smtp.address}" does not advertise the '
        "STARTTLS extension"
    )
    assert smtp.mails == []


def test_require_tls_is_on_by_default(smtp: FakeSMTP) -> None:
    config = _load(smtp)
    config_default = _load(smtp, require_tls=None)
    assert config.require_tls is False
    assert config_default.require_tls is True
    assert _fail(config_default).retryable is False


def test_an_untrusted_certificate_is_a_retryable_tls_failure(tls_files: TLSFiles) -> None:
    with FakeSMTP(tls=tls_files.server_context()) as smtp:
        error = _fail(_load(smtp, require_tls=True, tls_config={"server_name": "webhook.test"}))
        assert smtp.mails == []
    assert error.retryable is True
    assert "TLS handshake failed" in str(error)


def test_insecure_skip_verify_accepts_any_certificate(tls_files: TLSFiles) -> None:
    with FakeSMTP(tls=tls_files.server_context()) as smtp:
        _send(_load(smtp, require_tls=True, tls_config={"insecure_skip_verify": True}))
        (mail,) = smtp.wait_for_mail()
    assert mail.starttls is True


def test_port_465_means_implicit_tls() -> None:
    assert uses_implicit_tls(465) is True
    assert uses_implicit_tls(25) is False
    assert uses_implicit_tls(587) is False
    config = _load("127.0.0.1:465")
    assert _channel(config).smtp.implicit_tls is True
    assert _channel(_load("127.0.0.1:587")).smtp.implicit_tls is False


def test_implicit_tls_speaks_tls_from_the_first_byte(tls_files: TLSFiles) -> None:
    with FakeSMTP(tls=tls_files.server_context(), implicit_tls=True) as smtp:
        config = _load(smtp, require_tls=True, tls_config=_tls(tls_files))
        channel = _channel(config)
        # The rule says port 465; the server listens on a free port, so the decision is
        # given explicitly.
        channel.smtp = dataclasses.replace(channel.smtp, implicit_tls=True)
        _send(config, channel=channel)
        (mail,) = smtp.wait_for_mail()
    assert mail.tls is True
    assert mail.starttls is False


def test_implicit_tls_against_a_plain_server_is_retryable(smtp: FakeSMTP) -> None:
    config = _load(smtp)
    channel = _channel(config, timeout=1.0)
    channel.smtp = dataclasses.replace(channel.smtp, implicit_tls=True)
    error = _fail(config, channel=channel)
    assert error.retryable is True


# -- authentication ------------------------------------------------------------------


USERS = {"alice": "correct horse"}


@pytest.mark.parametrize(
    ("offered", "credentials", "expected"),
    [
        (("PLAIN", "LOGIN", "CRAM-MD5"), {"auth_password": "correct horse"}, "PLAIN"),
        (("LOGIN",), {"auth_password": "correct horse"}, "LOGIN"),
        (("LOGIN", "PLAIN"), {"auth_password": "correct horse"}, "LOGIN"),
        (("CRAM-MD5", "PLAIN"), {"auth_secret": "correct horse", "auth_password": "x"}, "CRAM-MD5"),
        (("PLAIN", "CRAM-MD5"), {"auth_secret": "correct horse"}, "CRAM-MD5"),
    ],
)
def test_the_auth_mechanism_is_chosen_as_alertmanager_does(
    tls_files: TLSFiles, offered: tuple[str, ...], credentials: dict[str, str], expected: str
) -> None:
    with FakeSMTP(tls=tls_files.server_context(), users=USERS, mechanisms=offered) as smtp:
        config = _load(
            smtp,
            require_tls=True,
            tls_config=_tls(tls_files),
            auth_username="alice",
            auth_identity="alice",
            **credentials,
        )
        _send(config)
        (mail,) = smtp.wait_for_mail()
    assert (mail.auth_mechanism, mail.auth_login, mail.starttls) == (expected, "alice", True)


def test_auth_password_file_wins_over_auth_password(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("correct horse\n")
    with FakeSMTP(users=USERS) as smtp:
        config = _load(
            smtp,
            base_dir=tmp_path,
            auth_username="alice",
            auth_password="wrong",
            auth_password_file="pw",
        )
        _send(config)
        (mail,) = smtp.wait_for_mail()
    assert mail.auth_mechanism == "PLAIN"


def test_global_smtp_credentials_are_used() -> None:
    with FakeSMTP(users=USERS, mechanisms=("LOGIN",)) as smtp:
        glob = {"smtp_auth_username": "alice", "smtp_auth_password": "correct horse"}
        _send(_load(smtp, glob=glob))
        (mail,) = smtp.wait_for_mail()
    assert (mail.auth_mechanism, mail.auth_login) == ("LOGIN", "alice")


def test_without_auth_username_a_server_requiring_auth_refuses_permanently() -> None:
    with FakeSMTP(users=USERS) as smtp:
        error = _fail(_load(smtp))
    assert (error.retryable, error.status) == (False, 530)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_a_wrong_password_is_a_permanent_535_that_does_not_show_it(mechanism: str) -> None:
    password = "Wr0ng-Pa55word"
    with FakeSMTP(users=USERS, mechanisms=(mechanism,)) as smtp:
        config = _load(smtp, auth_username="alice", auth_password=password, auth_secret=password)
        error = _fail(config)
        (attempt,) = smtp.auth_attempts
    assert (attempt.mechanism, attempt.success) == (mechanism, False)
    assert (error.retryable, error.status) == (False, 535)
    text = f"{error} {error!r} {error.__cause__}"
    assert password not in text
    assert base64.b64encode(password.encode()).decode() not in text


def test_no_usable_mechanism_is_a_permanent_error() -> None:
    with FakeSMTP(users=USERS, mechanisms=("CRAM-MD5",)) as smtp:
        config = _load(smtp, auth_username="alice", auth_password="correct horse")
        error = _fail(config)
    assert error.retryable is False
    assert "missing secret for CRAM-MD5 auth mechanism" in str(error)


# -- faults --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "code", "retryable"),
    [
        ("CONNECT", 421, True),
        ("CONNECT", 554, False),
        ("MAIL", 451, True),
        ("MAIL", 550, False),
        ("RCPT", 451, True),
        ("RCPT", 550, False),
        ("DATA", 452, True),
        ("DATA", 554, False),
    ],
)
def test_smtp_replies_are_classified(
    smtp: FakeSMTP, command: str, code: int, retryable: bool
) -> None:
    smtp.fail(command, code, "4.0.0 try later" if code < 500 else "5.0.0 no")
    error = _fail(_load(smtp))
    assert (error.retryable, error.status) == (retryable, code)
    assert str(code) in str(error)
    assert smtp.mails == []


@pytest.mark.parametrize("command", ["CONNECT", "MAIL", "RCPT", "DATA"])
def test_a_dropped_connection_is_retryable(smtp: FakeSMTP, command: str) -> None:
    smtp.drop(command)
    error = _fail(_load(smtp))
    assert (error.retryable, error.status) == (True, None)


@pytest.mark.parametrize("command", ["CONNECT", "RCPT", "DATA"])
def test_a_server_that_never_answers_times_out_retryably(smtp: FakeSMTP, command: str) -> None:
    smtp.hang(command)
    started = time.monotonic()
    error = _fail(_load(smtp), timeout=0.3)
    assert time.monotonic() - started < 3
    assert error.retryable is True
    assert "timed out" in str(error)


def test_a_refused_connection_is_retryable() -> None:
    error = _fail(_load(f"127.0.0.1:{free_port()}"))
    assert (error.retryable, error.status) == (True, None)


def test_some_recipients_refused_is_delivered_and_logged(
    smtp: FakeSMTP, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.fail("RCPT", 550, "5.1.1 no such user", recipients=["gone@example.org"])
    config = _load(smtp, to="a@example.org, gone@example.org")
    with caplog.at_level(logging.WARNING, "tocsin.channels.email"):
        _send(config)
    (mail,) = smtp.wait_for_mail()
    assert mail.rcpt_tos == ("a@example.org",)
    assert "gone@example.org" in caplog.text
    assert "550" in caplog.text


def test_every_recipient_refused_fails_retryably_when_one_refusal_is_temporary(
    smtp: FakeSMTP,
) -> None:
    smtp.fail("RCPT", 550, recipients=["a@example.org"])
    smtp.fail("RCPT", 451, recipients=["b@example.org"])
    error = _fail(_load(smtp, to="a@example.org, b@example.org"))
    assert (error.retryable, error.status) == (True, 451)
    assert smtp.refused == [("a@example.org", 550), ("b@example.org", 451)]


def test_deliver_returns_the_refused_recipients(smtp: FakeSMTP) -> None:
    smtp.fail("RCPT", 550, "5.1.1 unknown", recipients=["x@example.org"])
    settings = _channel(_load(smtp)).smtp
    refused = asyncio.run(
        deliver(settings, "s@example.org", ["x@example.org", "y@example.org"], b"\r\n", timeout=5)
    )
    assert [(r.address, r.code) for r in refused] == [("x@example.org", 550)]


# -- runbook texts and people --------------------------------------------------------


def _runbook_templates() -> Templates:
    templates = Templates()
    templates.env.loader = jinja2.DictLoader(
        {
            "runbook.email.subject": "RUNBOOK {{ groupLabels.alertname }}",
            "runbook.email.html": "<p>runbook html</p>",
            "runbook.email.text": "runbook text",
        }
    )
    return templates


def test_template_runbook_fills_the_fields_left_unset(smtp: FakeSMTP) -> None:
    entry = {
        "to": "oncall@example.org",
        "from": "tocsin@example.org",
        "smarthost": smtp.address,
        "require_tls": False,
        "template": "runbook",
    }
    document = {"route": {"receiver": "m"}, "receivers": [{"name": "m", "email_configs": [entry]}]}
    config = load_config_text(yaml.safe_dump(document)).receivers[0].email_configs[0]
    _send(config, templates=_runbook_templates())
    (mail,) = smtp.wait_for_mail()
    assert mail.message["Subject"] == "RUNBOOK Disk"
    assert mail.parts() == {"text/plain": "runbook text", "text/html": "<p>runbook html</p>"}


def test_template_runbook_keeps_what_the_config_sets(smtp: FakeSMTP) -> None:
    config = _load(smtp, template="runbook", html="<i>mine</i>")
    _send(config, templates=_runbook_templates())
    (mail,) = smtp.wait_for_mail()
    assert mail.message["Subject"] == "[FIRING] Disk (1)"
    assert mail.parts() == {"text/plain": "runbook text", "text/html": "<i>mine</i>"}


def test_for_people_reaches_a_person_with_the_global_settings() -> None:
    with FakeSMTP(users=USERS) as smtp:
        glob = load_config_text(
            yaml.safe_dump(
                {
                    "global": {
                        "smtp_smarthost": smtp.address,
                        "smtp_from": "Tocsin <pager@example.org>",
                        "smtp_hello": "tocsin.example.org",
                        "smtp_require_tls": False,
                        "smtp_auth_username": "alice",
                        "smtp_auth_password": "correct horse",
                    },
                    "route": {"receiver": "m"},
                    "receivers": [{"name": "m"}],
                }
            )
        ).global_
        channel = EmailChannel.for_people(
            glob, templates=_runbook_templates(), external_url=EXTERNAL, timeout=5.0
        )
        _send(_load(smtp), channel=channel, target="person@example.org")
        (mail,) = smtp.wait_for_mail()
    assert (mail.mail_from, mail.rcpt_tos) == ("pager@example.org", ("person@example.org",))
    assert (mail.helo, mail.auth_mechanism) == ("tocsin.example.org", "PLAIN")
    message = mail.message
    assert message["To"] == "person@example.org"
    assert message["From"] == "Tocsin <pager@example.org>"
    assert message["Subject"] == "RUNBOOK Disk"
    assert mail.parts() == {"text/plain": "runbook text", "text/html": "<p>runbook html</p>"}


def test_for_people_needs_a_global_smarthost() -> None:
    glob = load_config_text(
        yaml.safe_dump({"route": {"receiver": "m"}, "receivers": [{"name": "m"}]})
    ).global_
    with pytest.raises(ValueError, match="smarthost"):
        EmailChannel.for_people(glob, templates=Templates(), external_url=EXTERNAL)
