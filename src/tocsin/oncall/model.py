"""The answers of the on-call package: who is on call, shifts, and overrides.

Times are seconds since the epoch; ``as_json`` gives the API's shapes, times in RFC 3339
(UTC, milliseconds). ``since``/``until`` of :class:`OnCall` are ``None`` when the answer
holds beyond the search horizon (:data:`HORIZON_SECONDS` either way), such as a layer of
one participant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tocsin.model.times import format_millis

__all__ = ["HORIZON_SECONDS", "OnCall", "Override", "Shift"]

HORIZON_SECONDS = 400 * 86400.0
"""How far from the asked instant ``who`` looks for the start and end of its answer."""


def _time(seconds: float | None) -> str | None:
    return None if seconds is None else format_millis(seconds)


@dataclass(frozen=True, slots=True)
class Override:
    """``user`` takes ``schedule`` over from ``start`` to ``end`` (beating every layer).

    ``id`` is ``config-N`` for the N-th (0-based) override of the schedule in the
    configuration, and whatever the API gave for the others.
    """

    schedule: str
    user: str
    start: float
    end: float
    id: str = ""

    def covers(self, at: float) -> bool:
        return self.start <= at < self.end

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "start": format_millis(self.start),
            "end": format_millis(self.end),
        }


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call for ``schedule`` at one instant, and why.

    ``user`` is ``None`` in a gap. It comes from ``override`` when one covers the instant,
    else from ``layer``, whose participant number ``rotation_index`` (0-based, in the order
    listed) holds the shift. The same answer holds from ``since`` to ``until``.
    """

    schedule: str
    user: str | None
    layer: str | None
    rotation_index: int | None
    override: Override | None
    since: float | None
    until: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "user": self.user,
            "layer": self.layer,
            "rotation_index": self.rotation_index,
            "override": None if self.override is None else self.override.as_json(),
            "since": _time(self.since),
            "until": _time(self.until),
        }


@dataclass(frozen=True, slots=True)
class Shift:
    """``user`` (``None``: nobody) is on call from ``start`` to ``end`` by ``layer`` or by
    ``override``; adjacent equal answers are one shift."""

    user: str | None
    start: float
    end: float
    layer: str | None
    override: Override | None
    schedule: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "start": format_millis(self.start),
            "end": format_millis(self.end),
            "layer": self.layer,
            "override": None if self.override is None else self.override.as_json(),
        }
