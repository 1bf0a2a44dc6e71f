"""Alertmanager's merge rule for a re-posted alert."""

from __future__ import annotations

from tocsin.model import Alert, merge_alert


def alert(starts: float, ends: float, updated: float, *, timeout: bool = False) -> Alert:
    return Alert("fp", {"a": "b"}, {}, starts, ends, updated, "", timeout)


def test_first_post_is_taken_as_is() -> None:
    new = alert(10, 20, 10)
    assert merge_alert(None, new, now=10) is new


def test_overlapping_post_keeps_the_earliest_start() -> None:
    merged = merge_alert(alert(0, 300, 0), alert(60, 360, 60), now=60)
    assert (merged.starts_at, merged.ends_at) == (0, 360)


def test_post_after_the_old_range_replaces_it() -> None:
    new = alert(400, 700, 400)
    assert merge_alert(alert(0, 300, 0), new, now=400) is new


def test_same_start_later_end_is_not_a_merge_and_replaces() -> None:
    new = alert(0, 400, 60)
    assert merge_alert(alert(0, 300, 0), new, now=60) is new


def test_explicit_later_end_of_older_post_wins_over_timeout_end() -> None:
    older = alert(0, 1000, 0, timeout=False)
    younger = alert(50, 350, 50, timeout=True)
    assert merge_alert(older, younger, now=50).ends_at == 1000


def test_timeout_end_of_older_post_does_not_win() -> None:
    older = alert(0, 1000, 0, timeout=True)
    younger = alert(50, 350, 50, timeout=True)
    assert merge_alert(older, younger, now=50).ends_at == 350


def test_resolving_post_sets_the_end() -> None:
    merged = merge_alert(alert(0, 300, 0), alert(100, 100, 100), now=100)
    assert (merged.starts_at, merged.ends_at) == (0, 100)
