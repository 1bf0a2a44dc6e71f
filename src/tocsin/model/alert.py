"""Alerts and Alertmanager's rule for merging a re-posted alert into the stored one."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Alert", "merge_alert"]


@dataclass(slots=True, eq=False)
class Alert:
    """One alert, identified by the fingerprint of its labels.

    Times are seconds since the epoch. ``timeout`` is true when ``ends_at`` was not posted
    but derived from ``resolve_timeout``. Treat instances as immutable: the store replaces
    an alert, it never changes one in place (not frozen only because frozen dataclasses
    are slow to build on the ingest path).
    """

    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float
    updated_at: float
    generator_url: str = ""
    timeout: bool = False

    def resolved_at(self, now: float) -> bool:
        """Whether the alert is resolved at ``now`` (its end is not after ``now``)."""
        return self.ends_at <= now

    def same_content(self, other: Alert) -> bool:
        """Whether ``other`` carries the same labels, annotations, start and source."""
        return (
            self.starts_at == other.starts_at
            and self.generator_url == other.generator_url
            and self.annotations == other.annotations
            and self.labels == other.labels
        )


def merge_alert(old: Alert | None, new: Alert, now: float) -> Alert:
    """The alert to store when ``new`` is posted while ``old`` is stored.

    Alertmanager merges only when the new alert's activity range overlaps the old one's;
    otherwise the new alert replaces the old one outright. When merging, the earliest start
    wins, and the end follows the newer post unless the older one has a later explicit end.
    """
    if old is None:
        return new
    overlaps = (old.starts_at < new.ends_at < old.ends_at) or (
        old.starts_at < new.starts_at < old.ends_at
    )
    if not overlaps:
        return new
    older, younger = (old, new) if old.updated_at <= new.updated_at else (new, old)
    starts_at = min(older.starts_at, younger.starts_at)
    ends_at = younger.ends_at
    if younger.resolved_at(now):
        if older.resolved_at(now) and older.ends_at > younger.ends_at:
            ends_at = older.ends_at
    elif older.ends_at > younger.ends_at and not older.timeout:
        ends_at = older.ends_at
    if starts_at == younger.starts_at and ends_at == younger.ends_at:
        return younger
    return replace(younger, starts_at=starts_at, ends_at=ends_at)
