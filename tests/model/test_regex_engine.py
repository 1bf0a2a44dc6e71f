"""Matcher regexes run on RE2's linear-time engine: no catastrophic backtracking."""

from __future__ import annotations

import pytest

from tocsin.model import MatcherError, MatchType, new_matcher


@pytest.mark.timeout(30)
def test_a_backtracking_bomb_answers_at_once() -> None:
    # With a backtracking engine this takes about 2**60 steps; RE2 is linear.
    matcher = new_matcher("alertname", MatchType.REGEX, "(a*)*b")
    assert not matcher.matches("a" * 60)
    assert matcher.matches("a" * 60 + "b")


def test_go_syntax_errors_keep_gos_message() -> None:
    with pytest.raises(MatcherError, match=r"missing closing \): `\^\(\?:\(\)\$`"):
        new_matcher("a", MatchType.REGEX, "(")


def test_dollar_matches_only_at_the_very_end() -> None:
    # Python's `$` would also match before a final newline; RE2's does not.
    assert not new_matcher("a", MatchType.REGEX, "x$").matches("x\n")
