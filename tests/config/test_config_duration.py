"""Prometheus durations: what parses, what is refused (Prometheus' messages), how they print."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.config import Duration, GoDuration


@pytest.mark.parametrize(
    ("text", "seconds", "canonical"),
    [
        ("0", 0, "0s"),
        ("0s", 0, "0s"),
        ("30s", 30, "30s"),
        ("90s", 90, "1m30s"),
        ("5m", 300, "5m"),
        ("4h", 14400, "4h"),
        ("1h30m", 5400, "1h30m"),
        ("24h", 86400, "1d"),
        ("7d", 604800, "1w"),
        ("8d", 691200, "8d"),
        ("1y", 31536000, "1y"),
        ("1y1w1d1h1m1s1ms", 31536000 + 604800 + 86400 + 3600 + 60 + 1.001, "373d1h1m1s1ms"),
        ("1500ms", 1.5, "1s500ms"),
    ],
)
def test_it_parses_and_prints_prometheus_durations(
    text: str, seconds: float, canonical: str
) -> None:
    duration = Duration.parse(text)
    assert duration.seconds == pytest.approx(seconds)
    assert str(duration) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration string"),
        ("5", 'not a valid duration string: "5"'),
        ("1.5h", 'not a valid duration string: "1.5h"'),
        ("1h 30m", 'not a valid duration string: "1h 30m"'),
        ("30m1h", 'not a valid duration string: "30m1h"'),
        ("-1m", 'not a valid duration string: "-1m"'),
        ("1H", 'not a valid duration string: "1H"'),
    ],
)
def test_it_rejects_what_prometheus_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace(".", r"\.") + "$"):
        Duration.parse(text)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=9 * 10**12))
def test_printing_then_parsing_gives_the_same_duration(ms: int) -> None:
    duration = Duration(ms)
    assert Duration.parse(str(duration)) == duration


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_canonical_form_is_stable(ms: int) -> None:
    text = str(Duration(ms))
    assert str(Duration.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("1m", "1m0s"), ("1h", "1h0m0s"), ("90s", "1m30s"), ("500ms", "500ms"), ("1.5h", "1h30m0s")],
)
def test_go_durations_print_as_go_does(text: str, canonical: str) -> None:
    assert str(GoDuration.parse(text)) == canonical


def test_go_durations_have_no_days() -> None:
    with pytest.raises(ValueError, match='time: unknown unit "d" in duration "1d"'):
        GoDuration.parse("1d")
