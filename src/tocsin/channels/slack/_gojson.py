"""JSON written byte for byte as Go's ``json.NewEncoder(w).Encode(v)`` writes it.

Alertmanager encodes its Slack request with Go's encoder: no spaces, keys in the order
given, ``<``, ``>`` and ``&`` escaped as ``\\u003c``, ``\\u003e``, ``\\u0026``, U+2028 and
U+2029 escaped, control characters other than ``\\n``, ``\\r`` and ``\\t`` as ``\\u00XX``
(lower-case hex), every other character as UTF-8, and a final newline. Only what a Slack
request holds is supported: dicts (in insertion order), lists, strings and booleans.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["go_json"]

_ESCAPE = re.compile('[\\x00-\\x1f"\\\\<>&\\u2028\\u2029\\ud800-\\udfff]')
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    short = _SHORT.get(char)
    if short is not None:
        return short
    if "\ud800" <= char <= "\udfff":  # not valid UTF-8: Go writes the replacement character
        return "\\ufffd"
    return f"\\u{ord(char):04x}"


def _string(text: str) -> str:
    return '"' + _ESCAPE.sub(_escape, text) + '"'


def _value(value: object) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        items = ",".join(f"{_string(str(k))}:{_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as Go would")


def go_json(value: object) -> bytes:
    """``value`` as Go's ``json.Encoder`` writes it, with its final newline."""
    return (_value(value) + "\n").encode("utf-8")
