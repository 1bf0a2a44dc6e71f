"""``matchers:`` lists and ``match_re`` regexes of routes and inhibition rules.

Matcher strings are parsed by :func:`tocsin.model.parse_matchers` (Alertmanager's grammar
and messages) and sorted as Alertmanager sorts them (name, value, type), which is also the
order in which it prints them. ``match_re`` regexes are compiled the same way as matcher
regexes (:func:`tocsin.model.compile_matcher_regex`: RE2 syntax, anchored ``^(?:…)$``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from tocsin.config._types import _scalar_text, fail, is_label_name
from tocsin.model import (
    CompiledRegex,
    Matcher,
    MatcherError,
    compile_matcher_regex,
    matcher_sort_key,
    parse_matchers,
)

__all__ = ["AnchoredRegex", "MatchRegexps", "MatcherList", "compile_anchored"]


def compile_anchored(text: str) -> CompiledRegex:
    """Compile ``^(?:text)$`` as RE2 would; ``ValueError`` with Go's message."""
    try:
        return compile_matcher_regex(text)
    except MatcherError as exc:
        raise ValueError(str(exc)) from None


class AnchoredRegex:
    """A regex as written in the file, with its anchored compiled form."""

    __slots__ = ("pattern", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pattern = compile_anchored(text)

    def fullmatch(self, value: str) -> bool:
        return self.pattern.match(value) is not None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"AnchoredRegex({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnchoredRegex) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _regexps(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    out: dict[str, AnchoredRegex] = {}
    for key, raw in value.items():
        name = str(_scalar_text(key))
        if not is_label_name(name):
            fail(f'invalid label name "{name}"', key, at_key=True)
        text = _scalar_text(raw)
        if not isinstance(text, str):
            fail(f'invalid regexp value for "{name}"', key)
        try:
            out[name] = AnchoredRegex(text)
        except ValueError as exc:
            fail(str(exc), key)
    return out


MatchRegexps = Annotated[
    dict[str, AnchoredRegex],
    BeforeValidator(_regexps),
    PlainSerializer(lambda v: {k: r.text for k, r in v.items()}),
]


def _matchers(value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    out: list[Matcher] = []
    for i, item in enumerate(value):
        text = _scalar_text(item)
        if not isinstance(text, str):
            fail("expected a matcher string", i)
        try:
            out.extend(parse_matchers(text))
        except MatcherError as exc:
            fail(str(exc), i)
    out.sort(key=matcher_sort_key)
    return out


MatcherList = Annotated[
    list[Matcher],
    BeforeValidator(_matchers),
    PlainSerializer(lambda v: [str(m) for m in v]),
]
