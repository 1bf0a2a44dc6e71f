"""What a phone receives: one line of SMS text, a TwiML document to speak, a masked number.

    one_line("Disk full\n  on db-1")          -> "Disk full on db-1"
    truncate(text, 1600)                      -> at most 1600 characters, ending in "…" when cut
    say_twice("A & B", limit=4000)            -> <Response><Say>A &amp; B</Say><Pause length="1"/>…
    mask_number("+14155550100")               -> "+1415•••0100"

Lengths are counted as Twilio counts them, in UTF-16 code units: an emoji counts twice.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

__all__ = [
    "ELLIPSIS",
    "SMS_MAX_LENGTH",
    "TWIML_MAX_LENGTH",
    "VOICE_MAX_LENGTH",
    "is_e164",
    "mask_number",
    "one_line",
    "say_twice",
    "truncate",
    "units",
]

SMS_MAX_LENGTH = 1600
"""Twilio's limit on a message ``Body`` (error 21617 beyond it)."""
VOICE_MAX_LENGTH = 4000
"""The default limit on the spoken text."""
TWIML_MAX_LENGTH = 4000
"""Twilio's limit on a call's ``Twiml`` parameter."""
ELLIPSIS = "…"

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")  # the rule of the config's ``to``
_SPACE = re.compile(r"\s+")
_OPEN = "<Response><Say>"
_CLOSE = "</Say></Response>"
_PAUSE = '</Say><Pause length="1"/><Say>'


def is_e164(number: str) -> bool:
    """``+`` then 2 to 15 digits, the first not 0."""
    return _E164.match(number) is not None


def units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (what Twilio counts)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def one_line(text: str) -> str:
    """``text`` on one line: newlines and runs of white space become one space."""
    return _SPACE.sub(" ", text).strip()


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in "…" when cut."""
    if units(text) <= limit:
        return text
    if limit < 1:
        return ""
    room = limit - units(ELLIPSIS)
    used = 0
    cut = len(text)
    for index, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > room:
            cut = index
            break
        used += width
    return text[:cut].rstrip() + ELLIPSIS


def say_twice(text: str, *, limit: int = TWIML_MAX_LENGTH) -> str:
    """TwiML that says ``text``, pauses a second and says it again.

    When both do not fit in ``limit`` characters the text is said once, cut to fit if need
    be (the cut is made in the text, never inside an XML entity).
    """
    said = escape(text)
    twice = f"{_OPEN}{said}{_PAUSE}{said}{_CLOSE}"
    if len(twice) <= limit:
        return twice
    room = limit - len(_OPEN) - len(_CLOSE)
    if len(said) > room:
        said = _escaped_prefix(text, room - len(ELLIPSIS)) + ELLIPSIS
    return f"{_OPEN}{said}{_CLOSE}"


def _escaped_prefix(text: str, room: int) -> str:
    parts: list[str] = []
    used = 0
    for ch in text:
        piece = escape(ch)
        if used + len(piece) > room:
            break
        parts.append(piece)
        used += len(piece)
    return "".join(parts).rstrip()


def mask_number(number: str) -> str:
    """A phone number with its middle digits hidden, for logs and pages: ``+1415•••0100``.

    Numbers of 10 digits or more keep 4 digits at each end; shorter ones a third.
    """
    plus = "+" if number.startswith("+") else ""
    digits = number[len(plus) :]
    keep = 4 if len(digits) >= 10 else len(digits) // 3
    if keep == 0:
        return f"{plus}•••"
    return f"{plus}{digits[:keep]}•••{digits[-keep:]}"
