"""The notification log's dedup rule (Alertmanager's DedupStage.needsUpdate)."""

from __future__ import annotations

import pytest

from tocsin.pipeline import NotificationLog, NotifyEntry, NotifyKey, needs_update

NOW = 10_000.0
REPEAT = 3600.0


def entry(firing: set[str], resolved: set[str] = set(), sent: float = NOW - 60) -> NotifyEntry:  # noqa: B006
    return NotifyEntry(frozenset(firing), frozenset(resolved), sent, sent + 3600)


@pytest.mark.parametrize(
    ("last", "firing", "resolved", "send_resolved", "expected"),
    [
        (None, {"a"}, set(), True, True),  # never notified, something fires
        (None, set(), {"a"}, True, False),  # never notified, only resolved: nothing
        (entry({"a"}), {"a", "b"}, set(), True, True),  # a new alert fires
        (entry({"a", "b"}), {"a"}, {"b"}, True, True),  # b resolved, send_resolved
        (entry({"a", "b"}), {"a"}, {"b"}, False, False),  # … not without it
        (entry({"a"}), set(), {"a"}, False, True),  # all resolved: always (clears the log)
        (entry(set(), {"a"}), set(), {"a"}, True, False),  # nothing fired since
        (entry({"a"}), {"a"}, set(), True, False),  # unchanged, repeat not due
        (entry({"a"}, sent=NOW - REPEAT - 1), {"a"}, set(), True, True),  # repeat due
        (entry({"a"}, sent=NOW - REPEAT), {"a"}, set(), True, False),  # not strictly before
        (entry({"a", "b"}), {"a"}, set(), True, False),  # b left without resolving
    ],
)
def test_needs_update(
    last: NotifyEntry | None,
    firing: set[str],
    resolved: set[str],
    send_resolved: bool,
    expected: bool,
) -> None:
    got = needs_update(last, frozenset(firing), frozenset(resolved), send_resolved, REPEAT, NOW)
    assert got is expected


def test_expired_entries_are_forgotten() -> None:
    key = NotifyKey("{}:{}", "r", "webhook", 0)
    other = NotifyKey("{}:{}", "r", "webhook", 1)
    log = NotificationLog([(key, entry({"a"}, sent=0.0)), (other, entry({"a"}))])
    assert log.expired(NOW) == [key]
    assert log.get(key) is None
    assert log.get(other) is not None
