"""Matchers: Alertmanager 0.25's grammar, anchored RE2 regexes, messages and printing.

The expectations were checked against the real Alertmanager (see tests/differential).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tocsin.model import (
    Matcher,
    MatcherError,
    MatchType,
    compile_matcher_regex,
    matchers_match,
    new_matcher,
    parse_matcher,
    parse_matchers,
)

EQ, NE, RE, NRE = MatchType.EQUAL, MatchType.NOT_EQUAL, MatchType.REGEX, MatchType.NOT_REGEX

# --- parse_matcher -----------------------------------------------------------------------------

PARSED = [
    ("a=b", ("a", EQ, "b")),
    ('a="b"', ("a", EQ, "b")),
    ("a!=b", ("a", NE, "b")),
    ("a=~b", ("a", RE, "b")),
    ("a!~b", ("a", NRE, "b")),
    ("  a  =  b  ", ("a", EQ, "b")),
    ("\ta\n=\r\fb\n", ("a", EQ, "b")),
    ('a = " b "', ("a", EQ, " b ")),
    ("a=", ("a", EQ, "")),
    ('a=""', ("a", EQ, "")),
    ("a=b c", ("a", EQ, "b c")),
    ("a=b,c=d", ("a", EQ, "b,c=d")),
    ('a="b,c"', ("a", EQ, "b,c")),
    ("a==b", ("a", EQ, "=b")),
    ("a=~=~", ("a", RE, "=~")),
    ('a="x\\"y"', ("a", EQ, 'x"y')),
    ('a="x\\\\y"', ("a", EQ, "x\\y")),
    ('a="x\\ny"', ("a", EQ, "x\ny")),
    ('a="x\\ty"', ("a", EQ, "x\\ty")),  # a spurious escape keeps its backslash
    ("a=x\\y", ("a", EQ, "x\\y")),
    ("a=trailing\\", ("a", EQ, "trailing\\")),
    ('a="trailing\\\\"', ("a", EQ, "trailing\\")),
    ("a=line\nbreak", ("a", EQ, "line\nbreak")),
    ("a=日本語 🚨", ("a", EQ, "日本語 🚨")),
    ("a:b=c", ("a:b", EQ, "c")),
    ("_=x", ("_", EQ, "x")),
    ("A_1=x", ("A_1", EQ, "x")),
    ('statuscode=~"5.."', ("statuscode", RE, "5..")),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_matcher_reads_alertmanager_syntax(
    text: str, expected: tuple[str, MatchType, str]
) -> None:
    m = parse_matcher(text)
    assert (m.name, m.type, m.value) == expected


PARSE_ERRORS = [
    ("", "bad matcher format: "),
    ("a", "bad matcher format: a"),
    ("1a=b", "bad matcher format: 1a=b"),
    ("a-b=c", "bad matcher format: a-b=c"),
    ('"a"=b', 'bad matcher format: "a"=b'),
    ("a~=b", "bad matcher format: a~=b"),
    ('a="b', 'matcher value contains unescaped double quote: "b'),
    ('a=b"', 'matcher value contains unescaped double quote: b"'),
    ('a="b"c"', 'matcher value contains unescaped double quote: "b"c"'),
    ('a="b\\"', 'matcher value contains unescaped double quote: "b\\"'),
    ('a=""""', 'matcher value contains unescaped double quote: """"'),
    ('a=~"("', "error parsing regexp: missing closing ): `^(?:()$`"),
    ("a=~x\\", "error parsing regexp: missing closing ): `^(?:x\\)$`"),
]


@pytest.mark.parametrize(("text", "message"), PARSE_ERRORS)
def test_parse_matcher_rejects_with_alertmanager_message(text: str, message: str) -> None:
    with pytest.raises(MatcherError) as info:
        parse_matcher(text)
    assert str(info.value) == message


def test_matcher_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bad matcher format"):
        parse_matcher("nope")


# --- parse_matchers ----------------------------------------------------------------------------

PARSED_LISTS = [
    ("a=b", [("a", EQ, "b")]),
    ("a=b,c=d", [("a", EQ, "b"), ("c", EQ, "d")]),
    ("{a=b, c=~d}", [("a", EQ, "b"), ("c", RE, "d")]),
    ('{foo = "bar", dings != "bums", }', [("foo", EQ, "bar"), ("dings", NE, "bums")]),
    ("a=b,", [("a", EQ, "b")]),
    ("a=b ,  ", [("a", EQ, "b")]),
    ('a="b,c",d=e', [("a", EQ, "b,c"), ("d", EQ, "e")]),
    ('a="x\\",y",b=c', [("a", EQ, 'x",y'), ("b", EQ, "c")]),
    ('{quote="She said: \\"Hi, ladies!\\""}', [("quote", EQ, 'She said: "Hi, ladies!"')]),
    ("{a=b}}", [("a", EQ, "b}")]),  # one brace is trimmed on each side
    ("{a=b", [("a", EQ, "b")]),
    ("a=b}", [("a", EQ, "b")]),
    ("", []),
    ("{}", []),
    ("  ", []),
]


@pytest.mark.parametrize(("text", "expected"), PARSED_LISTS)
def test_parse_matchers_splits_on_commas_outside_quotes(
    text: str, expected: list[tuple[str, MatchType, str]]
) -> None:
    assert [(m.name, m.type, m.value) for m in parse_matchers(text)] == expected


PARSE_LIST_ERRORS = [
    ("a=b,,c=d", "bad matcher format: "),
    (",a=b", "bad matcher format: "),
    ("a=b, c", "bad matcher format: c"),  # the last item is trimmed
    ("{{a=b}", "bad matcher format: {a=b"),
    ('a="b",c="d', 'matcher value contains unescaped double quote: "d'),
    ("a=~x{1001},", "error parsing regexp: invalid repeat count: `{1001}`"),
]


@pytest.mark.parametrize(("text", "message"), PARSE_LIST_ERRORS)
def test_parse_matchers_rejects_with_alertmanager_message(text: str, message: str) -> None:
    with pytest.raises(MatcherError) as info:
        parse_matchers(text)
    assert str(info.value) == message


# --- matching ----------------------------------------------------------------------------------

MATCHES = [
    ("sev=critical", "critical", True),
    ("sev=critical", "Critical", False),
    ("sev!=critical", "warning", True),
    ("sev!=critical", "critical", False),
    ('sev=~"crit|warn"', "crit", True),
    ('sev=~"crit|warn"', "critical", False),  # anchored
    ('sev=~"crit|warn"', "xwarn", False),
    ('sev!~"crit|warn"', "critical", True),
    ('sev!~"crit|warn"', "warn", False),
    ('sev=~"crit.*"', "critical", True),
    ('sev=~"(?i)CRIT"', "crit", True),
    ('sev=~""', "", True),
    ('sev=~".*"', "", True),
    ('sev=~".+"', "", False),
    ('sev=~"a$"', "a\n", False),  # Go's $ is the end of text, not before a final newline
    ('sev=~"a\\\\z"', "a", True),
    ('sev=~"a.b"', "a\nb", False),
    ('sev=~"(?s)a.b"', "a\nb", True),
    ('sev=~"(?m)a$\\nb"', "a\nb", True),
    ('sev=~"\\\\d+"', "123", True),
    ('sev=~"\\\\d+"', "١٢٣", False),  # RE2's \d is ASCII
    ('sev=~"\\\\w+"', "é", False),
    ('sev=~"\\\\pL+"', "é", True),
    ('sev=~"\\\\s"', "\u00a0", False),
    ('sev=~"[[:alpha:]]+"', "abC", True),
    ('sev=~"\\\\12"', "\n", True),  # an octal escape, not a back-reference
    ('sev=~"\\\\x{1F6A8}"', "🚨", True),
    ('sev=~"a{,2}"', "a{,2}", True),  # not a repetition in RE2
    ('sev=~"\\\\Qa.b\\\\E"', "a.b", True),
    ('sev=~"\\\\Qa.b\\\\E"', "axb", False),
    ('sev=~"(?U)a+"', "aaa", True),
    ('sev=~"a)|(b"', "ax", True),  # the anchoring is textual, as in Alertmanager
    ('sev=~"\\\\bx"', "x", True),
]


@pytest.mark.parametrize(("text", "value", "expected"), MATCHES)
def test_matcher_matches_as_alertmanager(text: str, value: str, expected: bool) -> None:
    assert parse_matcher(text).matches(value) is expected


def test_absent_label_matches_as_empty_value() -> None:
    labels = {"alertname": "X"}
    assert parse_matcher('team!="ops"').matches_labels(labels)
    assert parse_matcher('env!~"dev.*"').matches_labels(labels)
    assert parse_matcher('zone=""').matches_labels(labels)
    assert not parse_matcher('zone=~".+"').matches_labels(labels)


def test_matchers_match_requires_every_matcher() -> None:
    ms = parse_matchers('{alertname="X", sev=~"crit|warn"}')
    assert matchers_match(ms, {"alertname": "X", "sev": "warn"})
    assert not matchers_match(ms, {"alertname": "X", "sev": "info"})
    assert matchers_match([], {"a": "b"})


REGEX_ERRORS = [
    ("(", "missing closing ): `^(?:()$`"),
    ("a)", "unexpected ): `^(?:a))$`"),
    ("a**", "invalid nested repetition operator: `**`"),
    ("a*+", "invalid nested repetition operator: `*+`"),
    ("a{2}*", "invalid nested repetition operator: `{2}*`"),
    ("*a", "missing argument to repetition operator: `*`"),
    ("a|?", "missing argument to repetition operator: `?`"),
    ("\\1", "invalid escape sequence: `\\1`"),
    ("(?=a)", "invalid or unsupported Perl syntax: `(?=`"),
    ("(?<!a)", "invalid or unsupported Perl syntax: `(?<`"),
    ("(?>a)", "invalid or unsupported Perl syntax: `(?>`"),
    ("(?P=n)", "invalid or unsupported Perl syntax: `(?P`"),
    ("(?i-)a", "invalid or unsupported Perl syntax: `(?i-)`"),
    ("(?P<n", "invalid named capture: `(?P<n)$`"),
    ("(?P<a-b>x)", "invalid named capture: `(?P<a-b>`"),
    ("a{1001}", "invalid repeat count: `{1001}`"),
    ("a{3,2}", "invalid repeat count: `{3,2}`"),
    ("(a{500}){3}", "invalid repeat count: `{3}`"),
    ("[a", "missing closing ]: `[a)$`"),
    ("[z-a]", "invalid character class range: `z-a`"),
    ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
    ("\\p{Foo}", "invalid character class range: `\\p{Foo}`"),
    ("\\C", "invalid escape sequence: `\\C`"),
    ("\\Z", "invalid escape sequence: `\\Z`"),
    ("\\xA", "invalid escape sequence: `\\xA)`"),
    ("\\x{}", "invalid escape sequence: `\\x{}`"),
    ("[\\b]", "invalid escape sequence: `\\b`"),
]


@pytest.mark.parametrize(("regex", "message"), REGEX_ERRORS)
def test_invalid_regex_fails_with_go_message(regex: str, message: str) -> None:
    with pytest.raises(MatcherError) as info:
        new_matcher("a", MatchType.REGEX, regex)
    assert str(info.value) == f"error parsing regexp: {message}"


def test_equality_matchers_do_not_compile_their_value() -> None:
    assert new_matcher("a", "=", "(").matches("(")


def test_compiled_regexes_are_cached() -> None:
    assert compile_matcher_regex("crit|warn") is compile_matcher_regex("crit|warn")
    first, second = new_matcher("a", RE, "x+"), new_matcher("b", NRE, "x+")
    assert first._pattern is second._pattern


# --- printing and value semantics --------------------------------------------------------------

PRINTED = [
    (("a", EQ, "b"), 'a="b"'),
    (("a", NE, ""), 'a!=""'),
    (("a", RE, "crit|warn"), 'a=~"crit|warn"'),
    (("a", NRE, "x"), 'a!~"x"'),
    (("a", EQ, 'say "hi"'), 'a="say \\"hi\\""'),
    (("a", EQ, "back\\slash"), 'a="back\\\\slash"'),
    (("a", EQ, "line\nbreak"), 'a="line\\nbreak"'),
    (("a", EQ, "tab\tand\x01"), 'a="tab\tand\x01"'),  # only \\, \n and " are escaped
    (("a", EQ, "日本 🚨"), 'a="日本 🚨"'),
]


@pytest.mark.parametrize(("fields", "text"), PRINTED)
def test_str_prints_as_alertmanager(fields: tuple[str, MatchType, str], text: str) -> None:
    assert str(Matcher(*fields)) == text
    assert parse_matcher(text) == Matcher(*fields)


def test_matchers_are_values() -> None:
    assert new_matcher("a", "=~", "x") == Matcher("a", RE, "x")
    assert len({new_matcher("a", "=~", "x"), Matcher("a", RE, "x")}) == 1
    assert new_matcher("a", "=", "x") != new_matcher("a", "!=", "x")
    m = new_matcher("a", "!~", "x")
    assert (m.is_regex, m.is_negative) == (True, True)
    assert str(MatchType.NOT_REGEX) == "!~"


# --- properties --------------------------------------------------------------------------------

label_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True)
values = st.text(st.characters(codec="utf-8"), max_size=20)  # no lone surrogates
match_types = st.sampled_from(list(MatchType))


@settings(derandomize=True, max_examples=200)
@given(name=label_names, type_=match_types, value=values)
def test_str_round_trips_through_parse_matcher(name: str, type_: MatchType, value: str) -> None:
    try:
        m = new_matcher(name, type_, value)
    except MatcherError:
        assume(False)
        raise
    assert parse_matcher(str(m)) == m


@settings(derandomize=True, max_examples=200)
@given(
    ms=st.lists(st.builds(new_matcher, label_names, st.sampled_from([EQ, NE]), values), max_size=5),
    braces=st.booleans(),
)
def test_printed_lists_round_trip_through_parse_matchers(ms: list[Matcher], braces: bool) -> None:
    text = ", ".join(str(m) for m in ms)
    assert parse_matchers("{" + text + "}" if braces else text) == ms


_GO_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


@settings(derandomize=True, max_examples=200)
@given(value=values, suffix=st.text(min_size=1, max_size=3))
def test_quoted_regex_matches_exactly_its_text(value: str, suffix: str) -> None:
    m = new_matcher("a", RE, _GO_META.sub(r"\\\1", value))
    assert m.matches(value)
    assert not m.matches(value + suffix)
    assert not m.matches(suffix + value)


@settings(derandomize=True, max_examples=200)
@given(value=values, other=values)
def test_equality_matchers_compare_exactly(value: str, other: str) -> None:
    assert new_matcher("a", EQ, value).matches(other) is (value == other)
    assert new_matcher("a", NE, value).matches(other) is (value != other)
