"""The ``severity`` section: one severity model for channels, escalation and incidents.

``P0`` = critical, ``P1`` = high or error, ``P2`` = warning or medium, ``P3`` = info or low,
read from the ``severity`` label. Both the label name and the value lists can be changed;
values compare case-insensitively, a value may sit under one level only, and any other
value (or no label) is ``P3``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from tocsin.config._base import Model
from tocsin.config._types import Str, StrList, fail

__all__ = ["DEFAULT_SEVERITY_LEVELS", "SEVERITY_LEVELS", "SeverityConfig"]

Level = Literal["P0", "P1", "P2", "P3"]
SEVERITY_LEVELS: tuple[Level, ...] = ("P0", "P1", "P2", "P3")
DEFAULT_SEVERITY_LEVELS: dict[Level, list[str]] = {
    "P0": ["critical"],
    "P1": ["high", "error"],
    "P2": ["warning", "medium"],
    "P3": ["info", "low"],
}


def _default_levels() -> dict[Level, list[str]]:
    return {level: list(values) for level, values in DEFAULT_SEVERITY_LEVELS.items()}


def _lower(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: [v.lower() if isinstance(v, str) else v for v in (vs or [])]
            if isinstance(vs, list) or vs is None
            else vs
            for k, vs in value.items()
        }
    return value


class SeverityConfig(Model):
    label: Str = "severity"
    levels: Annotated[dict[Level, StrList], BeforeValidator(_lower)] = Field(
        default_factory=_default_levels
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        seen: dict[str, str] = {}
        for level in SEVERITY_LEVELS:
            for i, value in enumerate(self.levels.get(level, [])):
                if value in seen:
                    fail(
                        f'severity value "{value}" is listed under both {seen[value]} and {level}',
                        "levels",
                        level,
                        i,
                    )
                seen[value] = level
        return self

    def level_of(self, labels: Mapping[str, str]) -> str:
        """``"P0"`` … ``"P3"`` for an alert's labels (unknown or missing: ``"P3"``)."""
        value = labels.get(self.label, "").lower()
        for level in SEVERITY_LEVELS:
            if value in self.levels.get(level, ()):
                return level
        return "P3"
