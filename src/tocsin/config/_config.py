"""The root of the configuration file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PrivateAttr

from tocsin.config._base import Model
from tocsin.config._errors import ConfigIssue, format_path
from tocsin.config._escalation import EscalationPolicy
from tocsin.config._global import GlobalConfig
from tocsin.config._people import Team, User
from tocsin.config._route import InhibitRule, Route
from tocsin.config._schedules import Schedule
from tocsin.config._severity import SeverityConfig
from tocsin.config._timeintervals import NamedTimeInterval, TimeInterval
from tocsin.config._types import StrList
from tocsin.config.receivers import Receiver

__all__ = ["ONCALL_SECTIONS", "RESERVED_SECTIONS", "Config"]

RESERVED_SECTIONS: tuple[str, ...] = (
    "incidents",
    "heartbeats",
    "rules",
    "web",
)
"""tocsin sections defined by later versions: accepted as keys, refused when non-empty."""

ONCALL_SECTIONS: tuple[str, ...] = ("users", "teams", "schedules", "escalation_policies")
"""tocsin's on-call sections (not in Alertmanager's configuration)."""


def _none_list(value: Any) -> Any:
    return [] if value is None else value


def _none_model(value: Any) -> Any:
    return {} if value is None else value


_EMPTY = BeforeValidator(_none_list)


class Config(Model):
    """A loaded, validated configuration. Build it with :func:`tocsin.config.load_config`."""

    global_: Annotated[GlobalConfig, BeforeValidator(_none_model)] = Field(
        default_factory=GlobalConfig, alias="global"
    )
    route: Route = Field(default_factory=Route)
    inhibit_rules: Annotated[list[InhibitRule], _EMPTY] = Field(default_factory=list)
    receivers: Annotated[list[Receiver], _EMPTY] = Field(default_factory=list)
    templates: StrList = Field(default_factory=list)
    mute_time_intervals: Annotated[list[NamedTimeInterval], _EMPTY] = Field(default_factory=list)
    time_intervals: Annotated[list[NamedTimeInterval], _EMPTY] = Field(default_factory=list)
    severity: Annotated[SeverityConfig, BeforeValidator(_none_model)] = Field(
        default_factory=SeverityConfig
    )
    users: Annotated[list[User], _EMPTY] = Field(default_factory=list)
    teams: Annotated[list[Team], _EMPTY] = Field(default_factory=list)
    schedules: Annotated[list[Schedule], _EMPTY] = Field(default_factory=list)
    escalation_policies: Annotated[list[EscalationPolicy], _EMPTY] = Field(default_factory=list)
    incidents: Any = None
    heartbeats: Any = None
    rules: Any = None
    web: Any = None

    _source_path: Path | None = PrivateAttr(default=None)
    _source_text: str = PrivateAttr(default="")
    _unsupported: list[tuple[str, str]] = PrivateAttr(default_factory=list)
    _positions: Any = PrivateAttr(default=None)

    @property
    def source_path(self) -> Path | None:
        """The file this configuration was read from (``None`` for text)."""
        return self._source_path

    @property
    def source_text(self) -> str:
        """The file's original text, before ``${VAR}`` substitution."""
        return self._source_text

    @property
    def unsupported_integrations(self) -> list[tuple[str, str]]:
        """``(receiver name, type key)`` of integrations tocsin cannot send (only when
        loaded with ``allow_unsupported_receivers``)."""
        return list(self._unsupported)

    def position(self, *path: str | int) -> str:
        """``file:line:col`` of the value at ``path`` (e.g. ``"receivers", 0,
        "slack_configs", 0, "title"``), or of its nearest ancestor in the file."""
        positions = self._positions
        if positions is None:
            return "<config>"
        line, column = positions.of_value(tuple(path))
        return f"{positions.filename}:{line}:{column}"

    def issue(self, message: str, *path: str | int) -> ConfigIssue:
        """A problem found after loading, at the position of the value at ``path``."""
        positions = self._positions
        if positions is None:
            return ConfigIssue("<config>", 1, 1, format_path(tuple(path)), message)
        issue: ConfigIssue = positions.issue(tuple(path), message)
        return issue

    def receiver(self, name: str) -> Receiver | None:
        for receiver in self.receivers:
            if receiver.name == name:
                return receiver
        return None

    @property
    def time_interval_map(self) -> dict[str, list[TimeInterval]]:
        """Every named interval, from ``time_intervals`` and legacy ``mute_time_intervals``."""
        out: dict[str, list[TimeInterval]] = {}
        for named in (*self.mute_time_intervals, *self.time_intervals):
            out[named.name] = named.time_intervals
        return out
