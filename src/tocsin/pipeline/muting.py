"""The one ``Muter`` protocol of the suppress stage, and the silencer.

Every source of suppression — silences, inhibition, time intervals, maintenance windows —
is a muter: given an alert's labels, the route it reached and ``now``, it answers why the
alert is muted, or ``None``. The notification pipeline applies them at flush time; the API
asks the same muters for ``silencedBy`` / ``inhibitedBy``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from tocsin.model import Silence, SilenceState

__all__ = ["MuteReason", "Muter", "Silencer"]


@dataclass(frozen=True, slots=True)
class MuteReason:
    """Why an alert is muted: the kind of muter and what in it mutes (e.g. silence ids)."""

    kind: str
    ids: tuple[str, ...]


class Muter(Protocol):
    def mutes(
        self, labels: Mapping[str, str], route: object | None, now: float
    ) -> MuteReason | None: ...


class SilenceSource(Protocol):
    version: int

    def all(self) -> Iterable[Silence]: ...


class Silencer:
    """Mutes the alerts that active silences match.

    The active silences are found once per ``now`` and silence-store version, so a request
    that asks about many alerts scans the silences once.
    """

    def __init__(self, silences: SilenceSource) -> None:
        self._silences = silences
        self._key: tuple[int, float] | None = None
        self._active: list[Silence] = []

    def _active_at(self, now: float) -> list[Silence]:
        key = (self._silences.version, now)
        if key != self._key:
            self._active = [s for s in self._silences.all() if s.state(now) is SilenceState.ACTIVE]
            self._key = key
        return self._active

    def silenced_by(self, labels: Mapping[str, str], now: float) -> list[str]:
        """The ids of the active silences that match ``labels``, sorted."""
        return sorted(s.id for s in self._active_at(now) if s.matches(labels))

    def mutes(
        self, labels: Mapping[str, str], route: object | None, now: float
    ) -> MuteReason | None:
        ids = self.silenced_by(labels, now)
        return MuteReason("silence", tuple(ids)) if ids else None
