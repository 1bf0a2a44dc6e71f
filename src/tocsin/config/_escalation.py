"""The ``escalation_policies`` section (tocsin): levels, delays, repeats, per severity.

A policy is a list of levels, each paging its targets (a user, a schedule's on-call user or
a team) and then waiting ``delay`` before the next level. The whole list runs ``repeat``
more times, then the ``ultimate`` targets are paged once. ``severities`` replaces the
levels for incidents of a given severity (``P0`` … ``P3``).

The checks of a policy on its own run in the models; the checks that need the whole file
(unique names; users, schedules and teams defined; every ``route.escalation_policy``
defined) are :func:`check_escalation`, called by the loader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, field_validator, model_validator

from tocsin.config._base import Model
from tocsin.config._duration import Duration
from tocsin.config._route import Route
from tocsin.config._types import Str, fail
from tocsin.config._yaml import Path

if TYPE_CHECKING:
    from tocsin.config._config import Config

__all__ = [
    "DEFAULT_LEVEL_DELAY",
    "TARGET_KINDS",
    "EscalationLevel",
    "EscalationPolicy",
    "EscalationTarget",
    "SeverityLevels",
    "check_escalation",
]

Severity = Literal["P0", "P1", "P2", "P3"]
TargetKind = Literal["user", "schedule", "team"]
TARGET_KINDS: tuple[TargetKind, ...] = ("user", "schedule", "team")
DEFAULT_LEVEL_DELAY = Duration.parse("15m")

Report = Callable[[Path, str], None]


def _none_list(value: Any) -> Any:
    return [] if value is None else value


def _none_dict(value: Any) -> Any:
    return {} if value is None else value


class EscalationTarget(Model):
    """Exactly one of ``user``, ``schedule`` or ``team``."""

    user: Str | None = None
    schedule: Str | None = None
    team: Str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [kind for kind in TARGET_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            fail("a target names exactly one of user, schedule or team")
        if getattr(self, given[0]) == "":
            fail(f"the {given[0]} of a target cannot be empty", given[0])
        return self

    @property
    def kind(self) -> TargetKind:
        for kind in TARGET_KINDS:
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("a validated target has a kind")

    @property
    def name(self) -> str:
        value = getattr(self, self.kind)
        assert isinstance(value, str)
        return value


def _positive(value: Duration, what: str) -> Duration:
    if not value:
        fail(f"{what} must be greater than 0")
    return value


class EscalationLevel(Model):
    """One level: its targets, paged together, then ``delay`` before the next level."""

    targets: Annotated[list[EscalationTarget], BeforeValidator(_none_list)]
    delay: Duration = DEFAULT_LEVEL_DELAY

    @field_validator("targets")
    @classmethod
    def _some_targets(cls, targets: list[EscalationTarget]) -> list[EscalationTarget]:
        if not targets:
            fail("a level needs at least one target")
        return targets

    @field_validator("delay")
    @classmethod
    def _delay(cls, delay: Duration) -> Duration:
        return _positive(delay, "delay")


def _some_levels(levels: list[EscalationLevel]) -> list[EscalationLevel]:
    if not levels:
        fail("an escalation policy needs at least one level")
    return levels


class SeverityLevels(Model):
    """The levels used instead of the default ones for one severity."""

    levels: Annotated[list[EscalationLevel], BeforeValidator(_none_list)]

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: list[EscalationLevel]) -> list[EscalationLevel]:
        return _some_levels(levels)


class EscalationPolicy(Model):
    name: Str = ""
    repeat: int = Field(default=0, ge=0)
    ack_timeout: Duration | None = None
    require_ack_comment: Annotated[list[Severity], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    levels: Annotated[list[EscalationLevel], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    ultimate: Annotated[list[EscalationTarget], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    severities: Annotated[dict[Severity, SeverityLevels], BeforeValidator(_none_dict)] = Field(
        default_factory=dict
    )

    @field_validator("ack_timeout")
    @classmethod
    def _ack_timeout(cls, value: Duration | None) -> Duration | None:
        return None if value is None else _positive(value, "ack_timeout")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.name:
            fail("missing name in escalation policy")
        if not self.levels:
            fail("an escalation policy needs at least one level", "levels")
        return self

    def levels_key(self, severity: str) -> str:
        """The key of the level list an incident of ``severity`` follows: the severity
        when ``severities`` has it, ``"default"`` otherwise."""
        return severity if severity in self.severities else "default"

    def levels_for(self, key: str) -> list[EscalationLevel]:
        """The level list named by :meth:`levels_key` (the default levels when the key is
        no longer in the policy, e.g. after a reload)."""
        for severity, chosen in self.severities.items():
            if severity == key:
                return chosen.levels
        return self.levels

    def requires_comment(self, severity: str) -> bool:
        return severity in self.require_ack_comment

    def targets(self) -> Iterator[tuple[Path, EscalationTarget]]:
        """Every target with its path inside the policy."""
        for j, level in enumerate(self.levels):
            for k, target in enumerate(level.targets):
                yield ("levels", j, "targets", k), target
        for k, target in enumerate(self.ultimate):
            yield ("ultimate", k), target
        for severity, chosen in self.severities.items():
            for j, level in enumerate(chosen.levels):
                for k, target in enumerate(level.targets):
                    yield ("severities", severity, "levels", j, "targets", k), target


def _route_policies(route: Route, path: Path) -> Iterator[tuple[Path, str]]:
    if route.escalation_policy:
        yield (*path, "escalation_policy"), route.escalation_policy
    for i, child in enumerate(route.routes):
        yield from _route_policies(child, (*path, "routes", i))


def check_escalation(config: Config, report: Report) -> None:
    """Whole-file checks of ``escalation_policies``: ``report(path, message)`` for each
    duplicate policy name, undefined user, schedule or team in a target, and undefined
    policy named by a route."""
    names: set[str] = set()
    for i, policy in enumerate(config.escalation_policies):
        if policy.name in names:
            report(
                ("escalation_policies", i, "name"),
                f'escalation policy name "{policy.name}" is not unique',
            )
        names.add(policy.name)
    defined: dict[str, set[str]] = {
        "user": {user.name for user in config.users},
        "schedule": {schedule.name for schedule in config.schedules},
        "team": {team.name for team in config.teams},
    }
    for i, policy in enumerate(config.escalation_policies):
        for path, target in policy.targets():
            if target.name not in defined[target.kind]:
                report(
                    ("escalation_policies", i, *path, target.kind),
                    f'undefined {target.kind} "{target.name}" in escalation policy "{policy.name}"',
                )
    for path, name in _route_policies(config.route, ("route",)):
        if name not in names:
            report(path, f'undefined escalation policy "{name}" used in route')
