"""Silences, and Alertmanager's rules for their states and for updating them.

A silence mutes the alerts its matchers all match while it is active: pending before
``starts_at``, active from ``starts_at`` through ``ends_at``, expired after. Updating a
silence in place is allowed only when it does not rewrite history (same matchers; an
active silence keeps its start second and may not end in the past; a pending one may not
start in the past); otherwise the old silence is expired and a new one takes its place.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tocsin.model.matchers import Matcher, MatchType, matchers_match

__all__ = [
    "Silence",
    "SilenceState",
    "SilenceWrite",
    "expire_silence",
    "matchers_match_empty",
    "plan_silence_write",
]


class SilenceState(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Silence:
    """A silence; times are seconds since the epoch."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    updated_at: float
    created_by: str
    comment: str

    def state(self, now: float) -> SilenceState:
        if now < self.starts_at:
            return SilenceState.PENDING
        if now > self.ends_at:
            return SilenceState.EXPIRED
        return SilenceState.ACTIVE

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether every matcher matches (an absent label is the empty string)."""
        return matchers_match(self.matchers, labels)

    def has_matcher(self, matcher: Matcher) -> bool:
        """Whether one of the silence's matchers is exactly ``matcher``."""
        return any(
            m.name == matcher.name and m.type is matcher.type and m.value == matcher.value
            for m in self.matchers
        )


def matchers_match_empty(matchers: Sequence[Matcher]) -> bool:
    """Whether every matcher matches the empty string (a silence that would mute all)."""
    return all(
        (m.type is MatchType.EQUAL and m.value == "")
        or (m.type is MatchType.REGEX and m.matches(""))
        for m in matchers
    )


def _can_update(old: Silence, new: Silence, now: float) -> bool:
    if old.matchers != new.matchers:
        return False
    state = old.state(now)
    if state is SilenceState.ACTIVE:
        return int(new.starts_at) == int(old.starts_at) and new.ends_at >= now
    if state is SilenceState.PENDING:
        return new.starts_at >= now
    return False


@dataclass(frozen=True, slots=True)
class SilenceWrite:
    """What setting a silence writes: the silence, and the one it expires (if any)."""

    silence: Silence
    expired: Silence | None = None


def expire_silence(silence: Silence, now: float) -> Silence | None:
    """The silence expired at ``now``, or ``None`` when it already is."""
    state = silence.state(now)
    if state is SilenceState.EXPIRED:
        return None
    if state is SilenceState.PENDING:
        return replace(silence, starts_at=now, ends_at=now, updated_at=now)
    return replace(silence, ends_at=now, updated_at=now)


def plan_silence_write(
    previous: Silence | None, posted: Silence, now: float, new_id: str
) -> SilenceWrite:
    """How posting ``posted`` changes the silences (``previous``: the one with its id).

    ``posted`` is already validated. A new silence gets ``new_id``, and a start in the past
    is moved to ``now``.
    """
    if previous is not None and _can_update(previous, posted, now):
        return SilenceWrite(replace(posted, id=previous.id, updated_at=now))
    created = replace(posted, id=new_id, starts_at=max(posted.starts_at, now), updated_at=now)
    expired = expire_silence(previous, now) if previous is not None else None
    return SilenceWrite(created, expired)
