"""The ``schedules`` section (tocsin): layers of rotations, restrictions and overrides.

A layer's ``start`` is a local date and time (no zone: the layer's ``time_zone``, else the
schedule's); its ``shift`` is a whole number of hours, days or weeks. A participant is a
user name or ``{user, weight}``. Restrictions are Alertmanager time intervals read in the
layer's zone unless they name their own ``location``. Overrides are instants (RFC 3339).

:func:`check_oncall` checks what needs the whole file: unique names, the users that teams,
layers and overrides name, and the receivers of teams.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BeforeValidator, Field, PrivateAttr, model_validator
from pydantic import ModelWrapValidatorHandler as Handler

from tocsin.config._base import Model
from tocsin.config._duration import Duration
from tocsin.config._people import Name, ZoneName
from tocsin.config._timeintervals import TimeInterval
from tocsin.config._types import Str, _scalar_text, fail
from tocsin.config._yaml import RawFloat, RawInt
from tocsin.model.times import TimeFormatError, parse_time

if TYPE_CHECKING:
    from tocsin.config._config import Config

__all__ = [
    "Layer",
    "Override",
    "Participant",
    "Schedule",
    "check_oncall",
    "parse_local_time",
]

_SHIFT_RE = re.compile(r"^(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?$")
_LOCAL_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2}))?$")
_HOUR_MS = 3600 * 1000


def _none_list(value: Any) -> Any:
    return [] if value is None else value


def _shift(value: Any) -> Any:
    text = _scalar_text(value)
    if not isinstance(text, str):
        return value
    if not text or not _SHIFT_RE.match(text):
        fail(f'shift must be a whole number of hours, days or weeks (12h, 1d, 1w), got "{text}"')
    length = Duration.parse(text)
    if length.milliseconds <= 0 or length.milliseconds % _HOUR_MS:
        fail(f'shift must be greater than 0, got "{text}"')
    return length


def parse_local_time(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` (or ``T`` between, or a date alone for 00:00) as a naive
    datetime; ``ValueError`` otherwise."""
    match = _LOCAL_RE.match(text)
    if match is None:
        raise ValueError(
            f'"{text}" is not a local date and time such as "2026-03-02 09:00" (no zone: the'
            " layer's time_zone applies)"
        )
    year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    hour, minute = int(match.group(4) or 0), int(match.group(5) or 0)
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise ValueError(f'"{text}": {exc}') from None


def _local_time(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str):
        try:
            parse_local_time(text)
        except ValueError as exc:
            fail(str(exc))
    return text


LocalTime = Annotated[Str, BeforeValidator(_local_time)]
"""A local date and time without zone, kept as written (``2026-03-02 09:00``)."""


def _instant_seconds(text: str) -> float:
    try:
        seconds = parse_time(text) if text else None
    except TimeFormatError as exc:
        raise ValueError(f'"{text}" is not an RFC 3339 time: {exc}') from None
    if seconds is None:
        raise ValueError(f'"{text}" is not an RFC 3339 time such as "2026-03-08T00:00:00Z"')
    return float(seconds)


def _instant(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str):
        try:
            _instant_seconds(text)
        except ValueError as exc:
            fail(str(exc))
    return text


Instant = Annotated[Str, BeforeValidator(_instant)]
"""An instant in RFC 3339, kept as written (``2026-03-08T00:00:00Z``)."""


class Participant(Model):
    """A user in a layer's rotation; ``weight`` consecutive shifts per cycle."""

    user: Str
    weight: int = 1
    _short: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _from_name(cls, value: Any, handler: Handler[Participant]) -> Participant:
        short = isinstance(value, (str, RawInt, RawFloat))
        participant = handler({"user": value} if short else value)
        participant._short = short
        return participant

    @model_validator(mode="after")
    def _check_weight(self) -> Self:
        if self.weight < 1:
            fail(f"weight must be at least 1, got {self.weight}", "weight")
        return self

    @property
    def written_as_name(self) -> bool:
        """Whether the file gave only the user's name (no mapping)."""
        return self._short


class Layer(Model):
    name: Str = ""
    participants: Annotated[list[Participant], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    shift: Annotated[Duration, BeforeValidator(_shift)]
    start: LocalTime
    time_zone: ZoneName = ""
    restrictions: Annotated[list[TimeInterval], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _check_participants(self) -> Self:
        if not self.participants:
            fail("a layer needs at least one participant", "participants")
        for i, restriction in enumerate(self.restrictions):
            if restriction.location == "Local":
                fail(
                    "a restriction cannot use the server's zone (Local): name a zone, or"
                    " leave location out for the layer's",
                    "restrictions",
                    i,
                    "location",
                )
        return self

    @property
    def start_local(self) -> datetime:
        """``start`` as a naive local date and time (in the layer's zone)."""
        return parse_local_time(self.start)


class Override(Model):
    """``user`` is on call from ``start`` to ``end``, whatever the layers say."""

    user: Str
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        if self.ends_at <= self.starts_at:
            fail("an override's end must be after its start", "end")
        return self

    @property
    def starts_at(self) -> float:
        """``start`` in seconds since the epoch."""
        return _instant_seconds(self.start)

    @property
    def ends_at(self) -> float:
        """``end`` in seconds since the epoch."""
        return _instant_seconds(self.end)


class Schedule(Model):
    name: Name
    time_zone: ZoneName = "UTC"
    layers: Annotated[list[Layer], BeforeValidator(_none_list)] = Field(default_factory=list)
    overrides: Annotated[list[Override], BeforeValidator(_none_list)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fill_and_check(self) -> Self:
        if not self.time_zone:
            self.time_zone = "UTC"
        seen: set[str] = set()
        for i, layer in enumerate(self.layers):
            if not layer.name:
                layer.name = f"layer-{i + 1}"
            if layer.name in seen:
                fail(f'layer "{layer.name}" is defined more than once', "layers", i, "name")
            seen.add(layer.name)
        return self

    def layer_zone(self, layer: Layer) -> str:
        """The zone a layer's start, handoffs and restrictions are read in."""
        return layer.time_zone or self.time_zone


Report = Callable[[tuple[str | int, ...], str], None]


def _duplicates(names: Iterable[str]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for i, name in enumerate(names):
        if name in seen:
            out.append((i, name))
        seen.add(name)
    return out


def check_oncall(config: Config, report: Report) -> None:
    """Checks across sections: unique user, team and schedule names; the users named by
    teams, layers and overrides; the receivers of teams. ``report(path, message)``."""
    sections: tuple[tuple[str, str, list[Any]], ...] = (
        ("users", "user", config.users),
        ("teams", "team", config.teams),
        ("schedules", "schedule", config.schedules),
    )
    for key, what, items in sections:
        for i, name in _duplicates(item.name for item in items):
            report((key, i, "name"), f'{what} "{name}" is defined more than once')
    users = {user.name for user in config.users}
    for i, team in enumerate(config.teams):
        for j, member in enumerate(team.members):
            if member not in users:
                report(("teams", i, "members", j), f'undefined user "{member}" in team')
        if team.receiver and config.receiver(team.receiver) is None:
            report(("teams", i, "receiver"), f'undefined receiver "{team.receiver}" used in team')
    for i, schedule in enumerate(config.schedules):
        for j, layer in enumerate(schedule.layers):
            for k, participant in enumerate(layer.participants):
                if participant.user in users:
                    continue
                path: tuple[str | int, ...] = ("schedules", i, "layers", j, "participants", k)
                if not participant.written_as_name:
                    path = (*path, "user")
                report(path, f'undefined user "{participant.user}" in layer participants')
        for j, override in enumerate(schedule.overrides):
            if override.user not in users:
                report(
                    ("schedules", i, "overrides", j, "user"),
                    f'undefined user "{override.user}" in override',
                )
