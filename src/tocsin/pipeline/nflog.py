"""The notification log: what each integration of each group was last told, and when.

An entry is kept per (group key, receiver, integration, index), as Alertmanager keys its
log, with the fingerprints of the firing and resolved alerts of the last notification that
was delivered and the time it was delivered. ``needs_update`` is Alertmanager's dedup
stage: a flush sends only when the sets changed in a way the receiver must hear about, or
when the repeat interval has elapsed since the last delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NotificationLog", "NotifyEntry", "NotifyKey", "needs_update"]


@dataclass(frozen=True, slots=True)
class NotifyKey:
    """Whom a log entry is about: a group's key, its receiver, and one integration."""

    group_key: str
    receiver: str
    integration: str  # "webhook", "log", …
    index: int  # position among the receiver's integrations of that type

    def as_list(self) -> list[Any]:
        return [self.group_key, self.receiver, self.integration, self.index]


@dataclass(frozen=True, slots=True)
class NotifyEntry:
    """The last delivered notification of one integration of one group."""

    firing: frozenset[str]
    resolved: frozenset[str]
    sent_at: float
    expires_at: float
    extra: dict[str, Any] = field(default_factory=dict)  # channel state (e.g. a thread id)


def needs_update(
    entry: NotifyEntry | None,
    firing: frozenset[str],
    resolved: frozenset[str],
    send_resolved: bool,
    repeat_interval: float,
    now: float,
) -> bool:
    """Whether a flush with these sets must notify (Alertmanager's ``DedupStage``)."""
    if entry is None:  # never notified: only if something fires
        return bool(firing)
    if not firing <= entry.firing:  # something new fires
        return True
    if not firing:
        # All resolved: notify (whatever send_resolved says, so that the log forgets the
        # firing alerts) unless the receiver was never told about any of them.
        return bool(entry.firing)
    if send_resolved and not resolved <= entry.resolved:
        return True
    return entry.sent_at < now - repeat_interval


class NotificationLog:
    """The entries in memory; the runtime stores every change before it applies it."""

    def __init__(self, entries: Iterable[tuple[NotifyKey, NotifyEntry]] = ()) -> None:
        self._entries: dict[NotifyKey, NotifyEntry] = dict(entries)

    def get(self, key: NotifyKey) -> NotifyEntry | None:
        return self._entries.get(key)

    def set(self, key: NotifyKey, entry: NotifyEntry) -> None:
        self._entries[key] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[tuple[NotifyKey, NotifyEntry]]:
        return iter(list(self._entries.items()))

    def expired(self, now: float) -> list[NotifyKey]:
        """Keys whose entries expired at ``now`` (and forgets them)."""
        doomed = [key for key, entry in self._entries.items() if entry.expires_at <= now]
        for key in doomed:
            del self._entries[key]
        return doomed
