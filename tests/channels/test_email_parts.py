"""The e-mail channel's pure parts: addresses, header encoding, the message's bytes, the
smarthost, the choice of AUTH mechanism and the classification of failures."""

from __future__ import annotations

import email
import email.policy
import ssl
from email.message import EmailMessage

import aiosmtplib
import pytest

from tocsin.channels.email import (
    DEFAULT_SUBJECT,
    SMTPSettings,
    choose_auth,
    compose,
    delivery_error,
    message_id,
    parse_address_list,
    q_encode,
    split_smarthost,
)
from tocsin.channels.email.mime import AddressError
from tocsin.channels.email.smtp import _ConfigError
from tocsin.config.receivers.email import DEFAULT_EMAIL_SUBJECT

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@example.org", ["a@example.org"]),
        ("a@example.org, b@example.org", ["a@example.org", "b@example.org"]),
        ('"Ops, EU" <ops@example.org>, b@example.org', ["ops@example.org", "b@example.org"]),
        ("Ops Team <ops@example.org>", ["ops@example.org"]),
    ],
)
def test_address_lists_are_parsed(text: str, expected: list[str]) -> None:
    assert parse_address_list(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "not an address", "a@example.org, nobody", "@x.org"])
def test_bad_address_lists_are_refused(text: str) -> None:
    with pytest.raises(AddressError):
        parse_address_list(text)


def test_printable_ascii_headers_are_left_as_they_are() -> None:
    assert q_encode("[FIRING:1] Disk full (db-1 = 90%)") == "[FIRING:1] Disk full (db-1 = 90%)"


def test_other_headers_are_q_encoded_words_of_at_most_75_characters() -> None:
    value = "Disque plein ⚠ " + "é" * 60 + " fin\r\nBcc: x@evil.test"
    encoded = q_encode(value)
    words = encoded.split(" ")
    assert all(w.startswith("=?utf-8?q?") and w.endswith("?=") for w in words)
    assert all(len(w) <= 75 for w in words)
    assert "\r" not in encoded
    assert "\n" not in encoded
    parsed = email.message_from_string(f"Subject: {encoded}\r\n\r\n", policy=email.policy.default)
    assert parsed["Subject"] == value.replace("\r\n", "\r\n")  # decoded back, byte for byte


def test_message_ids_follow_the_idempotency_key_and_the_sender_domain() -> None:
    first = message_id("flush-1", "tocsin@example.org")
    assert first == message_id("flush-1", "tocsin@example.org")
    assert first != message_id("flush-2", "tocsin@example.org")
    assert first.startswith("<")
    assert first.endswith("@example.org>")
    assert message_id("k", "").endswith("@localhost>")


def _parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _text(part: EmailMessage) -> str:
    """A part's text as a mail client shows it (CRLF line ends read as newlines)."""
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def test_compose_writes_headers_then_text_then_html() -> None:
    data = compose(
        [("From", "a@example.org"), ("Subject", "hi")],
        text="line one\nline two with trailing space \n",
        html="<p>é = €</p>",
        now=NOW,
        message_id="<id@example.org>",
        boundary="BOUNDARY",
    )
    head, _, _ = data.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"From: a@example.org",
        b"Subject: hi",
        b"Date: Fri, 15 Jan 2027 08:00:00 +0000",
        b"Message-Id: <id@example.org>",
        b'Content-Type: multipart/alternative; boundary="BOUNDARY"',
        b"MIME-Version: 1.0",
    ]
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF line ends only
    assert b"=C3=A9 =3D =E2=82=AC" in data
    assert b"trailing space=20\r\n" in data
    parts = list(_parse(data).iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [_text(p) for p in parts] == [
        "line one\nline two with trailing space \n",
        "<p>é = €</p>",
    ]


def test_compose_leaves_out_missing_parts_and_keeps_given_date_and_id() -> None:
    data = compose(
        {"Date": "Thu, 01 Jan 2026 00:00:00 +0000", "Message-Id": "<mine@x>"},
        text=None,
        html="<b>x</b>",
        now=NOW,
        message_id="<ours@x>",
    )
    message = _parse(data)
    assert message.get_all("Date") == ["Thu, 01 Jan 2026 00:00:00 +0000"]
    assert message.get_all("Message-Id") == ["<mine@x>"]
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/html"]


def test_long_body_lines_are_wrapped_with_soft_breaks() -> None:
    data = compose({}, text="x" * 300, html="é" * 100, now=NOW, message_id="<i@x>")
    assert all(len(line) <= 76 for line in data.split(b"\r\n"))
    assert [_text(p) for p in _parse(data).iter_parts()] == ["x" * 300, "é" * 100]


@pytest.mark.parametrize(
    ("smarthost", "expected"),
    [
        ("smtp.example.org:587", ("smtp.example.org", 587)),
        ("127.0.0.1:25", ("127.0.0.1", 25)),
        ("[::1]:465", ("::1", 465)),
        ("smtp.example.org:smtps", ("smtp.example.org", 465)),
    ],
)
def test_smarthosts_are_split(smarthost: str, expected: tuple[str, int]) -> None:
    assert split_smarthost(smarthost) == expected


@pytest.mark.parametrize("smarthost", ["smtp.example.org", ":25", "host:0", "host:http-alt"])
def test_bad_smarthosts_are_refused(smarthost: str) -> None:
    with pytest.raises(ValueError, match="smarthost"):
        split_smarthost(smarthost)


def _settings(**values: str) -> SMTPSettings:
    return SMTPSettings(host="smtp.example.org", port=587, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("offered", "credentials", "expected"),
    [
        (["PLAIN", "LOGIN"], {"password": "p"}, "PLAIN"),
        (["LOGIN", "PLAIN"], {"password": "p"}, "LOGIN"),
        (["CRAM-MD5", "PLAIN"], {"password": "p", "secret": "s"}, "CRAM-MD5"),
        (["CRAM-MD5", "PLAIN"], {"password": "p"}, "PLAIN"),
        (["XOAUTH2", "LOGIN"], {"password": "p"}, "LOGIN"),
        (["PLAIN", "CRAM-MD5"], {"secret": "s"}, "CRAM-MD5"),
    ],
)
def test_the_first_offered_mechanism_that_can_be_satisfied_is_chosen(
    offered: list[str], credentials: dict[str, str], expected: str
) -> None:
    plan = choose_auth(offered, _settings(username="u", **credentials), encrypted=True)
    assert plan is not None
    assert plan.mechanism == expected


def test_plain_carries_the_identity() -> None:
    plan = choose_auth(
        ["PLAIN"], _settings(username="u", password="p", identity="boss"), encrypted=True
    )
    assert plan is not None
    assert (plan.identity, plan.username, plan.password) == ("boss", "u", "p")


def test_no_username_means_no_auth() -> None:
    assert choose_auth(["PLAIN"], _settings(password="p"), encrypted=True) is None


@pytest.mark.parametrize(
    ("offered", "credentials", "message"),
    [
        (["CRAM-MD5"], {"password": "p"}, "missing secret for CRAM-MD5 auth mechanism"),
        (["PLAIN"], {"secret": "s"}, "missing password for PLAIN auth mechanism"),
        (["XOAUTH2"], {"password": "p"}, "unknown auth mechanism: XOAUTH2"),
    ],
)
def test_unusable_mechanisms_are_explained(
    offered: list[str], credentials: dict[str, str], message: str
) -> None:
    with pytest.raises(_ConfigError, match=message):
        choose_auth(offered, _settings(username="u", **credentials), encrypted=True)


def test_plain_is_refused_in_the_clear_except_to_localhost() -> None:
    settings = _settings(username="u", password="p")
    with pytest.raises(_ConfigError, match="unencrypted connection"):
        choose_auth(["PLAIN"], settings, encrypted=False)
    local = SMTPSettings(host="127.0.0.1", port=25, username="u", password="p")
    plan = choose_auth(["PLAIN"], local, encrypted=False)
    assert plan is not None
    assert plan.mechanism == "PLAIN"


@pytest.mark.parametrize(
    ("exc", "retryable", "status"),
    [
        (aiosmtplib.SMTPResponseException(421, "4.3.2 shutting down"), True, 421),
        (aiosmtplib.SMTPRecipientRefused(451, "4.7.1 greylisted", "a@x"), True, 451),
        (aiosmtplib.SMTPRecipientRefused(550, "5.1.1 no such user", "a@x"), False, 550),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 bad credentials"), False, 535),
        (aiosmtplib.SMTPDataError(554, "5.7.1 spam"), False, 554),
        (aiosmtplib.SMTPConnectError("Error connecting: refused"), True, None),
        (aiosmtplib.SMTPServerDisconnected("Connection lost"), True, None),
        (aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response"), True, None),
        (ConnectionResetError(104, "Connection reset by peer"), True, None),
        (ssl.SSLCertVerificationError("certificate verify failed"), True, None),
        (_ConfigError("require_tls: true (default), but …"), False, None),
        (ValueError("hostname contains a line break"), False, None),
    ],
)
def test_failures_are_classified(exc: Exception, retryable: bool, status: int | None) -> None:
    error = delivery_error(exc, _settings(), "step")
    assert (error.retryable, error.status) == (retryable, status)
    assert str(error).startswith("smtp smtp.example.org:587: ")


def test_secrets_are_redacted_from_replies() -> None:
    settings = _settings(username="u", password="hunter2", secret="s3cr3t!")
    exc = aiosmtplib.SMTPAuthenticationError(535, "bad password hunter2 (aHVudGVyMg==) s3cr3t!")
    text = str(delivery_error(exc, settings, "auth"))
    assert "hunter2" not in text
    assert "aHVudGVyMg==" not in text
    assert "s3cr3t!" not in text
    assert "<secret>" in text


def test_the_default_subject_is_the_one_the_loader_fills_in() -> None:
    # template: runbook recognises an unset subject by this text
    assert DEFAULT_SUBJECT == DEFAULT_EMAIL_SUBJECT
