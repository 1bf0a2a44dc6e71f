"""The roster: people, teams and compiled schedules, and who is on call when.

A schedule's answer at an instant: the latest-listed override covering it (overrides made
through the API come after the configured ones), else the last layer in the list that has
someone then (a restricted layer outside its windows has nobody), else nobody (a gap). All
of it is pure: the same roster and instant give the same answer.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from tocsin.config import Schedule, Team, User
from tocsin.oncall.errors import DuplicateName, UnknownName
from tocsin.oncall.model import HORIZON_SECONDS, OnCall, Override, Shift
from tocsin.oncall.rotation import Rotation, Segment

if TYPE_CHECKING:
    from tocsin.config import Config

__all__ = ["TARGET_KINDS", "Roster"]

TARGET_KINDS: tuple[str, ...] = ("user", "schedule", "team")


@dataclass(frozen=True, slots=True)
class _Piece:
    start: float
    end: float
    user: str | None
    layer: str | None
    rotation_index: int | None
    override: Override | None


_Key = Callable[[_Piece], Hashable]


def _who_key(piece: _Piece) -> Hashable:
    return (piece.user, piece.layer, piece.rotation_index, piece.override)


def _shift_key(piece: _Piece) -> Hashable:
    return (piece.user, piece.layer, piece.override)


def _merge(pieces: Iterable[_Piece], key: _Key) -> list[_Piece]:
    out: list[_Piece] = []
    for piece in pieces:
        if out and out[-1].end == piece.start and key(out[-1]) == key(piece):
            out[-1] = replace(out[-1], end=piece.end)
        else:
            out.append(piece)
    return out


@dataclass(frozen=True)
class _Plan:
    name: str
    rotations: tuple[Rotation, ...]
    overrides: tuple[Override, ...]
    longest_shift: float

    def answer(self, at: float) -> tuple[str | None, str | None, int | None, Override | None]:
        for override in reversed(self.overrides):
            if override.covers(at):
                return override.user, None, None, override
        for rotation in reversed(self.rotations):
            segment = rotation.at(at)
            if segment is not None:
                participant = segment.participant
                return rotation.users[participant], rotation.layer, participant, None
        return None, None, None, None

    def pieces(self, start: float, end: float) -> list[_Piece]:
        """The timeline of ``[start, end)``, adjacent identical answers merged."""
        layers = [(rotation, rotation.segments(start, end)) for rotation in self.rotations]
        overrides = [o for o in self.overrides if o.end > start and o.start < end]
        points = {start, end}
        for _, segments in layers:
            for segment in segments:
                points.update((segment.start, segment.end))
        for override in overrides:
            points.update(p for p in (override.start, override.end) if start < p < end)
        starts = [[s.start for s in segments] for _, segments in layers]
        ordered = sorted(points)
        pieces: list[_Piece] = []
        for low, high in pairwise(ordered):
            pieces.append(_piece_at(low, high, overrides, layers, starts))
        return _merge(pieces, _who_key)


def _piece_at(
    low: float,
    high: float,
    overrides: list[Override],
    layers: list[tuple[Rotation, list[Segment]]],
    starts: list[list[float]],
) -> _Piece:
    for override in reversed(overrides):
        if override.covers(low):
            return _Piece(low, high, override.user, None, None, override)
    for index in range(len(layers) - 1, -1, -1):
        rotation, segments = layers[index]
        found = bisect_right(starts[index], low) - 1
        if found >= 0 and segments[found].end > low:
            participant = segments[found].participant
            return _Piece(low, high, rotation.users[participant], rotation.layer, participant, None)
    return _Piece(low, high, None, None, None, None)


def _compile(schedule: Schedule) -> _Plan:
    rotations = tuple(
        Rotation.build(
            layer.name,
            schedule.layer_zone(layer),
            layer.start_local,
            timedelta(milliseconds=layer.shift.milliseconds),
            [(p.user, p.weight) for p in layer.participants],
            layer.restrictions,
        )
        for layer in schedule.layers
    )
    overrides = tuple(
        Override(schedule.name, o.user, o.starts_at, o.ends_at, f"config-{i}")
        for i, o in enumerate(schedule.overrides)
    )
    longest = max((layer.shift.seconds for layer in schedule.layers), default=86400.0)
    return _Plan(schedule.name, rotations, overrides, longest)


class Roster:
    """Users, teams and schedules, as configured plus what the API added.

    Build it with :meth:`from_config`; :meth:`with_overrides` and :meth:`with_people` give
    a new roster with the API's overrides, users and teams (replacing those given before).
    """

    def __init__(
        self,
        users: Mapping[str, User],
        teams: Mapping[str, Team],
        plans: Mapping[str, _Plan],
        *,
        base: tuple[Mapping[str, User], Mapping[str, Team], Mapping[str, _Plan]] | None = None,
    ) -> None:
        self._users = dict(users)
        self._teams = dict(teams)
        self._plans = dict(plans)
        self._base = base if base is not None else (self._users, self._teams, self._plans)

    @classmethod
    def from_config(cls, config: Config) -> Roster:
        """The roster of a loaded configuration."""
        users = {user.name: user for user in config.users}
        teams = {team.name: team for team in config.teams}
        plans = {schedule.name: _compile(schedule) for schedule in config.schedules}
        return cls(users, teams, plans)

    def with_overrides(self, extra: Iterable[Override]) -> Roster:
        """This roster with ``extra`` overrides after the configured ones (so they win
        where they overlap, and the later of two extra ones wins)."""
        base_plans = self._base[2]
        added: dict[str, list[Override]] = {}
        for override in extra:
            if override.schedule not in base_plans:
                raise UnknownName("schedule", override.schedule)
            if override.user not in self._users:
                raise UnknownName("user", override.user)
            added.setdefault(override.schedule, []).append(override)
        plans = {
            name: replace(plan, overrides=plan.overrides + tuple(added.get(name, ())))
            for name, plan in base_plans.items()
        }
        return Roster(self._users, self._teams, plans, base=self._base)

    def with_people(self, users: Iterable[User], teams: Iterable[Team]) -> Roster:
        """This roster with ``users`` and ``teams`` besides the configured ones; a name
        already configured, or a team member who is nobody, is refused."""
        base_users, base_teams, _ = self._base
        all_users = dict(base_users)
        for user in users:
            if user.name in all_users:
                raise DuplicateName("user", user.name)
            all_users[user.name] = user
        all_teams = dict(base_teams)
        for team in teams:
            if team.name in all_teams:
                raise DuplicateName("team", team.name)
            for member in team.members:
                if member not in all_users:
                    raise UnknownName("user", member)
            all_teams[team.name] = team
        return Roster(all_users, all_teams, self._plans, base=self._base)

    @property
    def schedules(self) -> tuple[str, ...]:
        """The schedule names, in the configuration's order."""
        return tuple(self._plans)

    @property
    def users(self) -> Mapping[str, User]:
        return dict(self._users)

    @property
    def teams(self) -> Mapping[str, Team]:
        return dict(self._teams)

    def overrides(self, schedule: str) -> tuple[Override, ...]:
        """The overrides of ``schedule``, configured ones first."""
        return self._plan(schedule).overrides

    def _plan(self, schedule: str) -> _Plan:
        try:
            return self._plans[schedule]
        except KeyError:
            raise UnknownName("schedule", schedule) from None

    def _extent(self, plan: _Plan, at: float, key: _Key) -> tuple[float | None, float | None]:
        """Where the answer at ``at`` (compared by ``key``) starts and ends."""
        width = min(2 * plan.longest_shift + 86400.0, HORIZON_SECONDS)
        while True:
            low, high = at - width, at + width
            pieces = _merge(plan.pieces(low, high), key)
            piece = pieces[bisect_right([p.start for p in pieces], at) - 1]
            since = piece.start if piece.start > low else None
            until = piece.end if piece.end < high else None
            if (since is not None and until is not None) or width >= HORIZON_SECONDS:
                return since, until
            width = min(width * 4, HORIZON_SECONDS)

    def who(self, schedule: str, at: float) -> OnCall:
        """Who is on call for ``schedule`` at ``at``, why, and from when until when."""
        plan = self._plan(schedule)
        user, layer, index, override = plan.answer(at)
        since, until = self._extent(plan, at, _who_key)
        return OnCall(schedule, user, layer, index, override, since, until)

    def shift_extent(self, schedule: str, at: float) -> tuple[float | None, float | None]:
        """The start and end of the shift under way at ``at`` (``None`` beyond the
        horizon)."""
        return self._extent(self._plan(schedule), at, _shift_key)

    def shifts(self, schedule: str, start: float, end: float) -> list[Shift]:
        """The timeline of ``schedule`` over ``[start, end)``: one shift per stretch of the
        same user by the same layer or override (gaps have user ``None``), cut at the
        ends of the range."""
        if end <= start:
            return []
        pieces = _merge(self._plan(schedule).pieces(start, end), _shift_key)
        return [Shift(p.user, p.start, p.end, p.layer, p.override, schedule) for p in pieces]

    def user_shifts(self, user: str, start: float, end: float) -> list[Shift]:
        """Every shift of ``user`` over ``[start, end)`` in every schedule, in time order."""
        if user not in self._users:
            raise UnknownName("user", user)
        found = [
            shift
            for schedule in self._plans
            for shift in self.shifts(schedule, start, end)
            if shift.user == user
        ]
        return sorted(found, key=lambda s: (s.start, s.schedule))

    def users_on_call(self, target_kind: str, name: str, at: float) -> list[str]:
        """The users an escalation target reaches at ``at``: a schedule's on-call user (none
        in a gap), a team's members, or the user."""
        if target_kind == "schedule":
            user = self._plan(name).answer(at)[0]
            return [] if user is None else [user]
        if target_kind == "team":
            team = self._teams.get(name)
            if team is None:
                raise UnknownName("team", name)
            return list(team.members)
        if target_kind == "user":
            if name not in self._users:
                raise UnknownName("user", name)
            return [name]
        raise UnknownName("target kind", target_kind)
