"""The routing tree (``route``) and ``inhibit_rules``, with Alertmanager's per-node checks.

Checks that need the whole file (receivers and time intervals defined, root route rules)
live in :mod:`tocsin.config._checks`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from tocsin.config._base import Model
from tocsin.config._duration import Duration
from tocsin.config._matchers import MatcherList, MatchRegexps
from tocsin.config._types import Str, StrList, _scalar_text, fail, is_label_name

__all__ = ["InhibitRule", "Route"]


def _label_map(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    out: dict[str, str] = {}
    for key, raw in value.items():
        name = str(_scalar_text(key))
        if not is_label_name(name):
            fail(f'invalid label name "{name}"', key, at_key=True)
        out[name] = _scalar_text(raw)
    return out


LabelMap = Annotated[dict[Str, Str], BeforeValidator(_label_map)]


def _none_list(value: Any) -> Any:
    return [] if value is None else value


class Route(Model):
    receiver: Str = ""
    group_by: StrList = Field(default_factory=list)
    match: LabelMap = Field(default_factory=dict)
    match_re: MatchRegexps = Field(default_factory=dict)
    matchers: MatcherList = Field(default_factory=list)
    mute_time_intervals: StrList = Field(default_factory=list)
    active_time_intervals: StrList = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    routes: Annotated[list[Route], BeforeValidator(_none_list)] = Field(default_factory=list)
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    # tocsin: the escalation policy that pages people for this route's groups (inherited)
    escalation_policy: Str = ""

    @property
    def group_by_all(self) -> bool:
        """``group_by: ['...']``: every label is a group label."""
        return "..." in self.group_by

    @field_validator("group_by")
    @classmethod
    def _check_group_by(cls, group_by: list[str]) -> list[str]:
        seen: set[str] = set()
        for i, label in enumerate(group_by):
            if label == "...":
                continue
            if not is_label_name(label):
                fail(f'invalid label name "{label}" in group_by list', i)
            if label in seen:
                fail(f'duplicated label "{label}" in group_by', i)
            seen.add(label)
        if seen and "..." in group_by:
            fail("cannot have wildcard group_by (`...`) and other other labels at the same time")
        return group_by

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _not_zero(cls, value: Duration | None, info: ValidationInfo) -> Duration | None:
        if value is not None and not value:
            fail(f"{info.field_name} cannot be zero")
        return value


class InhibitRule(Model):
    source_match: LabelMap = Field(default_factory=dict)
    source_match_re: MatchRegexps = Field(default_factory=dict)
    source_matchers: MatcherList = Field(default_factory=list)
    target_match: LabelMap = Field(default_factory=dict)
    target_match_re: MatchRegexps = Field(default_factory=dict)
    target_matchers: MatcherList = Field(default_factory=list)
    equal: StrList = Field(default_factory=list)

    @field_validator("equal")
    @classmethod
    def _check_equal(cls, equal: list[str]) -> list[str]:
        for i, label in enumerate(equal):
            if not is_label_name(label):
                fail(f'"{label}" is not a valid label name', i)
        return equal
