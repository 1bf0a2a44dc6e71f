"""Label matchers with Alertmanager 0.25 semantics: grammar, regexes, error messages.

A matcher is ``name OP value`` with OP one of ``=``, ``!=``, ``=~``, ``!~``. Regexes are
fully anchored (``=~"crit|warn"`` does not match ``critical``) and follow Go's RE2 syntax;
they are translated to Python's ``re`` here, and what RE2 rejects (backreferences,
lookarounds, possessive quantifiers) is rejected with the message Go's ``regexp`` gives.
An absent label is the empty string: callers pass ``labels.get(name, "")``, or use
:meth:`Matcher.matches_labels` and :func:`matchers_match`.

:func:`parse_matcher` is Alertmanager's ``labels.ParseMatcher`` (API ``filter=``
parameters); :func:`parse_matchers` is ``labels.ParseMatchers`` (config ``matchers:`` lines,
``amtool``), a comma-separated list with optional braces.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import re2

from tocsin.model._re2 import Re2Error, translate_re2

__all__ = [
    "CompiledRegex",
    "MatchType",
    "Matcher",
    "MatcherError",
    "compile_matcher_regex",
    "matcher_sort_key",
    "matchers_match",
    "new_matcher",
    "parse_matcher",
    "parse_matchers",
]


class MatchType(enum.Enum):
    """The operator of a matcher, valued by its text."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    def __str__(self) -> str:
        return self.value


class MatcherError(ValueError):
    """A matcher that cannot be parsed or compiled; the message is Alertmanager's."""


class CompiledRegex(Protocol):
    """A compiled, anchored matcher regex: ``match(text)`` is a match or ``None``."""

    def match(self, text: str) -> object | None: ...


@lru_cache(maxsize=4096)
def compile_matcher_regex(value: str) -> CompiledRegex:
    """Compile a Go RE2 regex anchored as Alertmanager does (``^(?:value)$``).

    Use ``.match(text)`` on the result. Raises :class:`MatcherError` with Go's message
    when RE2 rejects the regex. Results are cached.

    The expression is checked by translating it as Go parses it (for Go's exact error
    messages), then compiled by RE2 itself, whose matching takes linear time: a hostile
    ``filter`` or silence regex cannot stall the server by backtracking.
    """
    anchored = "^(?:" + value + ")$"
    try:
        translated = translate_re2(anchored)
    except Re2Error as exc:
        raise MatcherError(str(exc)) from None
    try:
        re.compile(translated)
    except re.error as exc:  # a construct RE2 accepts that the check cannot translate
        raise MatcherError(
            f"error parsing regexp: unsupported by tocsin: `{value}` ({exc})"
        ) from None
    try:
        compiled: CompiledRegex = re2.compile(anchored)
    except re2.error as exc:
        raise MatcherError(f"error parsing regexp: {exc}: `{value}`") from None
    return compiled


# Go's strings.TrimSpace trims Unicode white space.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)

_REGEX_TYPES = frozenset({MatchType.REGEX, MatchType.NOT_REGEX})
_NEGATIVE_TYPES = frozenset({MatchType.NOT_EQUAL, MatchType.NOT_REGEX})


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher. Construction compiles the regex (``MatcherError`` if invalid)."""

    name: str
    type: MatchType
    value: str
    # ``Any``, not ``CompiledRegex``: a Protocol cannot be checked by the config models'
    # validators, which see this dataclass.
    _pattern: Any = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.type in _REGEX_TYPES:
            object.__setattr__(self, "_pattern", compile_matcher_regex(self.value))

    @property
    def is_regex(self) -> bool:
        """Whether the operator is ``=~`` or ``!~``."""
        return self.type in _REGEX_TYPES

    @property
    def is_negative(self) -> bool:
        """Whether the operator is ``!=`` or ``!~``."""
        return self.type in _NEGATIVE_TYPES

    def matches(self, value: str) -> bool:
        """Whether a label value satisfies this matcher (pass ``""`` for an absent label)."""
        t = self.type
        if t is MatchType.EQUAL:
            return value == self.value
        if t is MatchType.NOT_EQUAL:
            return value != self.value
        pattern = self._pattern
        assert pattern is not None
        found = pattern.match(value) is not None
        return found if t is MatchType.REGEX else not found

    def matches_labels(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this matcher; an absent label is ``""``."""
        return self.matches(labels.get(self.name, ""))

    def __str__(self) -> str:
        """Alertmanager 0.25's ``Matcher.String()``: ``name=~"value"``, OpenMetrics-escaped."""
        return f'{self.name}{self.type.value}"{_escape(self.value)}"'


def _escape(value: str) -> str:
    """OpenMetrics escaping, as Alertmanager prints matcher values: ``\\``, ``\\n``, ``\\"``."""
    if "\\" not in value and "\n" not in value and '"' not in value:
        return value
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def new_matcher(name: str, type: MatchType | str, value: str) -> Matcher:
    """Alertmanager's ``labels.NewMatcher``: a matcher with its regex compiled."""
    return Matcher(name, MatchType(type), value)


_TYPE_ORDER = {
    MatchType.EQUAL: 0,
    MatchType.NOT_EQUAL: 1,
    MatchType.REGEX: 2,
    MatchType.NOT_REGEX: 3,
}


def matcher_sort_key(matcher: Matcher) -> tuple[str, str, int]:
    """Alertmanager's matcher order: by name, then value, then type (``=``, ``!=``, ``=~``,
    ``!~``), as its routes and config dumps sort them."""
    return (matcher.name, matcher.value, _TYPE_ORDER[matcher.type])


def matchers_match(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher matches the label set (true for no matchers)."""
    get = labels.get
    for m in matchers:  # noqa: SIM110  (a loop is ~2x faster than all() on a generator)
        if not m.matches(get(m.name, "")):
            return False
    return True


# Go's \s is [\t\n\f\r ]; `$` is end of text (Python's \Z); the value is taken lazily so
# that trailing whitespace is trimmed.
_MATCHER_RE = re.compile(
    r"\A[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)"
    r"[\t\n\f\r ]*\Z",
    re.DOTALL,
)


def parse_matcher(text: str) -> Matcher:
    """Parse one matcher, as Alertmanager's ``labels.ParseMatcher``.

    ``name OP value`` with optional whitespace around each part. The value may be enclosed
    in double quotes; inside it ``\\"``, ``\\n`` and ``\\\\`` are escapes, any other
    backslash is literal, and an unescaped ``"`` is an error. Raises :class:`MatcherError`.
    """
    found = _MATCHER_RE.match(text)
    if found is None:
        raise MatcherError(f"bad matcher format: {text}")
    name, op, raw = found.groups()
    value = raw
    expect_trailing_quote = False
    if value.startswith('"'):
        value = value[1:]
        expect_trailing_quote = True
    try:
        value.encode()
    except UnicodeEncodeError:
        raise MatcherError(f"matcher value not valid UTF-8: {raw}") from None
    if "\\" in value or '"' in value:
        value, expect_trailing_quote = _unescape(value, raw, expect_trailing_quote)
    if expect_trailing_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
    return Matcher(name, MatchType(op), value)


def _unescape(value: str, raw: str, expect_trailing_quote: bool) -> tuple[str, bool]:
    out: list[str] = []
    escaped = False
    last = len(value) - 1
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
            if ch == "n":
                out.append("\n")
            elif ch in '"\\':
                out.append(ch)
            else:  # a spurious escape: the backslash is literal
                out.append("\\")
                out.append(ch)
        elif ch == "\\":
            if i < last:
                escaped = True
            else:
                out.append("\\")
        elif ch == '"':
            if not expect_trailing_quote or i < last:
                raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
            expect_trailing_quote = False
        else:
            out.append(ch)
    return "".join(out), expect_trailing_quote


def parse_matchers(text: str) -> list[Matcher]:
    """Parse a comma-separated list of matchers, as Alertmanager's ``labels.ParseMatchers``.

    One leading ``{`` and one trailing ``}`` are optional. Commas inside double quotes do
    not separate (a quote preceded by a backslash does not open or close quotes); a final
    comma followed only by whitespace is ignored, an empty item elsewhere is an error.
    Each item is parsed by :func:`parse_matcher`. Raises :class:`MatcherError`.
    """
    text = text.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = False
    escaped = False
    for ch in text:
        if ch == ",":
            if not inside_quotes:
                tokens.append("".join(token))
                token.clear()
                continue
            # A quoted comma is kept and, as in Alertmanager, leaves `escaped` as it was.
        elif ch == '"':
            if escaped:
                escaped = False
            else:
                inside_quotes = not inside_quotes
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(ch)
    last = "".join(token).strip(_GO_SPACE)
    if last:
        tokens.append(last)
    return [parse_matcher(t) for t in tokens]
