"""What a phone receives: one-line text, cuts counted as Twilio counts, TwiML that parses,
masked numbers, and Twilio's error documents read even when cut short."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tocsin.channels.twilio import (
    TwilioError,
    is_e164,
    mask_number,
    one_line,
    parse_error,
    say_twice,
    truncate,
)
from tocsin.channels.twilio.wire import basic_auth, form_body, parse_sid, resource_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", "a b"),
        ("  a \r\n\t b  ", "a b"),
        ("a\u00a0\u2028b", "a b"),  # unicode white space too
        ("\n\n", ""),
        ("one", "one"),
    ],
)
def test_one_line_collapses_white_space(text: str, expected: str) -> None:
    assert one_line(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("hello", 5, "hello"),
        ("hello!", 5, "hell…"),
        ("ab cd", 4, "ab…"),  # no space left before the ellipsis
        ("🔥🔥🔥", 6, "🔥🔥🔥"),  # an emoji counts as two, as Twilio counts
        ("🔥🔥🔥", 5, "🔥🔥…"),
        ("🔥🔥🔥", 4, "🔥…"),
        ("abc", 1, "…"),
        ("abc", 0, ""),
    ],
)
def test_truncate_cuts_to_the_limit_in_utf16_units(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected
    assert len(expected.encode("utf-16-le")) // 2 <= max(limit, 0)


def test_say_twice_escapes_the_text_and_pauses_between() -> None:
    twiml = say_twice("A < B & \"C\" > 'D'")
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    assert [child.tag for child in root] == ["Say", "Pause", "Say"]
    assert [s.text for s in root.iter("Say")] == ["A < B & \"C\" > 'D'"] * 2
    assert root[1].attrib == {"length": "1"}


def test_say_twice_says_once_when_twice_does_not_fit() -> None:
    twiml = say_twice("x" * 100, limit=200)
    assert len(twiml) <= 200
    assert [s.text for s in ET.fromstring(twiml).iter("Say")] == ["x" * 100]


def test_say_twice_cuts_the_text_outside_entities_when_once_does_not_fit() -> None:
    twiml = say_twice("&" * 100, limit=100)
    assert len(twiml) <= 100
    (said,) = [s.text for s in ET.fromstring(twiml).iter("Say")]
    assert said is not None
    assert said.endswith("…")
    assert set(said[:-1]) == {"&"}


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+14155550100", "+1415•••0100"),
        ("+33612345678", "+3361•••5678"),
        ("+4930123456", "+4930•••3456"),
        ("+123456", "+12•••56"),
        ("+12", "+•••"),
    ],
)
def test_mask_number_hides_the_middle_digits(number: str, masked: str) -> None:
    assert mask_number(number) == masked


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("+14155550100", True),
        ("+12", True),
        ("+123456789012345", True),
        ("+1234567890123456", False),
        ("14155550100", False),
        ("+04155550100", False),
        ("+1 415 555 0100", False),
        ("+1", False),
        ("", False),
    ],
)
def test_is_e164(number: str, valid: bool) -> None:
    assert is_e164(number) is valid


def test_parse_error_reads_twilios_error_document() -> None:
    body = (
        '{"code": 21211, "message": "The \'To\' number +1 is not a valid phone number.", '
        '"more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}'
    )
    found = parse_error(body)
    assert found == TwilioError(
        21211,
        "The 'To' number +1 is not a valid phone number.",
        "https://www.twilio.com/docs/errors/21211",
    )
    assert str(found) == (
        "Twilio error 21211: The 'To' number +1 is not a valid phone number. "
        "(https://www.twilio.com/docs/errors/21211)"
    )


def test_parse_error_reads_an_excerpt_cut_in_the_message() -> None:
    found = parse_error('{"code": 21608, "message": "The number \\"x\\" is unverified. Tri…')
    assert found == TwilioError(21608, 'The number "x" is unverified. Tri…')


@pytest.mark.parametrize("body", ["", "<html>502</html>", "[1]", '{"other": 1}', "null"])
def test_parse_error_gives_none_for_other_answers(body: str) -> None:
    assert parse_error(body) is None


@pytest.mark.parametrize(
    ("body", "sid"),
    [
        (b'{"sid": "SM123", "status": "queued"}', "SM123"),
        (b'{"sid": ""}', None),
        (b'{"sid": 5}', None),
        (b'{"sid": "SM1', None),
        (b"[]", None),
        (b"", None),
    ],
)
def test_parse_sid(body: bytes, sid: str | None) -> None:
    assert parse_sid(body) == sid


def test_wire_helpers() -> None:
    assert resource_url("https://api.twilio.com/", "AC1", "Calls") == (
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json"
    )
    assert basic_auth("AC1", "tok") == "Basic QUMxOnRvaw=="
    assert form_body({"To": "+1 2", "Body": "a&b=ü"}) == b"To=%2B1+2&Body=a%26b%3D%C3%BC"
