"""One layer's rotation: handoffs on the local wall clock, weighted turns, restrictions.

Handoff ``k`` falls at the layer's local ``start`` plus ``k`` shifts of wall-clock time, so a
daily rotation hands off at the same local hour on both sides of a daylight-saving change
(a 23 or 25 hour shift) and a 12-hour rotation from 08:00 at 08:00 and 20:00 (11 or 13
hours); local times are resolved as :mod:`tocsin.oncall.wallclock` says. A participant of
weight ``w`` takes ``w`` consecutive shifts per cycle, in the order listed. Before its first
handoff a layer has nobody. Restrictions only hide the layer: its rotation keeps turning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tocsin.config import TimeInterval
from tocsin.oncall.restrictions import active, restriction_windows
from tocsin.oncall.wallclock import local_instant, zone

__all__ = ["Rotation", "Segment"]


@dataclass(frozen=True, slots=True)
class Segment:
    """Participant number ``participant`` of the layer is on call from ``start`` to ``end``
    (in the turn that began with shift number ``shift``)."""

    start: float
    end: float
    participant: int
    shift: int


def _intersect(
    spans: list[tuple[float, float, int, int]], windows: list[tuple[float, float]]
) -> list[Segment]:
    out: list[Segment] = []
    i = j = 0
    while i < len(spans) and j < len(windows):
        start = max(spans[i][0], windows[j][0])
        end = min(spans[i][1], windows[j][1])
        if start < end:
            out.append(Segment(start, end, spans[i][2], spans[i][3]))
        if spans[i][1] <= windows[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True)
class Rotation:
    """A compiled layer. ``users[p]`` is participant ``p``; ``cycle[n]`` the participant of
    the n-th shift of a cycle; ``restrictions`` carry their location."""

    layer: str
    tz: ZoneInfo
    start: datetime
    step: timedelta
    users: tuple[str, ...]
    cycle: tuple[int, ...]
    restrictions: tuple[TimeInterval, ...] = ()

    @classmethod
    def build(
        cls,
        layer: str,
        zone_name: str,
        start: datetime,
        step: timedelta,
        participants: list[tuple[str, int]],
        restrictions: list[TimeInterval] | tuple[TimeInterval, ...] = (),
    ) -> Rotation:
        """A rotation of ``participants`` (``(user, weight)``) handing off every ``step``
        of wall-clock time from the local ``start`` in ``zone_name``."""
        cycle = tuple(p for p, (_, weight) in enumerate(participants) for _ in range(weight))
        located = tuple(
            r if r.location else r.model_copy(update={"location": zone_name}) for r in restrictions
        )
        return cls(
            layer=layer,
            tz=zone(zone_name),
            start=start,
            step=step,
            users=tuple(user for user, _ in participants),
            cycle=cycle,
            restrictions=located,
        )

    def handoff(self, shift: int) -> float:
        """The instant shift number ``shift`` begins."""
        return local_instant(self.start + shift * self.step, self.tz)

    def participant(self, shift: int) -> int:
        """The participant number on call for shift number ``shift``."""
        return self.cycle[shift % len(self.cycle)]

    def _turn_length(self, shift: int) -> int | None:
        """How many shifts from ``shift`` on the same participant holds (``None``: for
        ever, when the cycle has one participant)."""
        if len(set(self.cycle)) == 1:
            return None
        position = shift % len(self.cycle)
        length = 1
        while self.cycle[(position + length) % len(self.cycle)] == self.cycle[position]:
            length += 1
        return length

    def shift_at(self, at: float) -> int | None:
        """The number of the shift under way at ``at`` (``None`` before the first)."""
        first = self.handoff(0)
        if at < first:
            return None
        shift = max(0, math.floor((at - first) / self.step.total_seconds()))
        while shift > 0 and self.handoff(shift) > at:
            shift -= 1
        while self.handoff(shift + 1) <= at:
            shift += 1
        return shift

    def at(self, at: float) -> Segment | None:
        """The participant on call at ``at`` within its shift, or ``None`` (before the first
        shift, or outside the restrictions); the segment's bounds are the shift's."""
        shift = self.shift_at(at)
        if shift is None or not active(self.restrictions, at):
            return None
        return Segment(self.handoff(shift), self.handoff(shift + 1), self.participant(shift), shift)

    def segments(self, start: float, end: float) -> list[Segment]:
        """Who of the layer is on call when, inside ``[start, end)``, in time order."""
        shift = self.shift_at(start)
        if shift is None:
            shift = 0
            start = max(start, self.handoff(0))
        spans: list[tuple[float, float, int, int]] = []
        begin = self.handoff(shift)
        while begin < end:
            # A participant's consecutive shifts are one turn: only its end matters.
            turn = self._turn_length(shift)
            finish = end if turn is None else self.handoff(shift + turn)
            low, high = max(begin, start), min(finish, end)
            if low < high:
                spans.append((low, high, self.participant(shift), shift))
            if turn is None:
                break
            shift += turn
            begin = finish
        if not spans:
            return []
        windows = restriction_windows(self.restrictions, spans[0][0], spans[-1][1])
        return _intersect(spans, windows)
