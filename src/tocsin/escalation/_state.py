"""The state of one incident's escalation, and its JSON form.

The runtime persists the state after every call (``to_dict`` gives plain JSON values) and
restores it with ``from_dict``; the engine's functions take a state and return a new one.
The keys of everything already sent are part of the state, so a restored state never
sends anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["EscalationState", "PendingContact", "StepRecord"]

_VERSION = 1


@dataclass(frozen=True)
class PendingContact:
    """A later contact attempt of a person's notification rules, due ``at``."""

    at: float
    user: str
    contact: str
    level: int
    step: int
    key: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "user": self.user,
            "contact": self.contact,
            "level": self.level,
            "step": self.step,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingContact:
        return cls(
            at=float(data["at"]),
            user=str(data["user"]),
            contact=str(data["contact"]),
            level=int(data["level"]),
            step=int(data["step"]),
            key=str(data["key"]),
        )


@dataclass(frozen=True)
class StepRecord:
    """One level visited: who was paged, which team channels were notified (both empty
    for a gap)."""

    step: int
    level: int
    round: int
    at: float
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "level": self.level,
            "round": self.round,
            "at": self.at,
            "users": list(self.users),
            "teams": list(self.teams),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepRecord:
        return cls(
            step=int(data["step"]),
            level=int(data["level"]),
            round=int(data["round"]),
            at=float(data["at"]),
            users=tuple(str(u) for u in data.get("users", ())),
            teams=tuple(str(t) for t in data.get("teams", ())),
        )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class EscalationState:
    """Where one incident's escalation stands.

    ``levels`` names the level list chosen when the incident opened (a severity, or
    ``"default"``); ``level`` is the level visited last (``None`` before the first step,
    :data:`~tocsin.escalation.ULTIMATE` after the ultimate targets) in repeat ``round``;
    ``step`` is the number of the next step; ``due`` is when it is due (``None`` while
    acknowledged, once exhausted or resolved).
    """

    policy: str
    levels: str
    severity: str
    opened_at: float
    level: int | None = None
    round: int = 0
    step: int = 0
    due: float | None = None
    acknowledged: bool = False
    acknowledged_by: str | None = None
    acknowledged_until: float | None = None
    exhausted: bool = False
    resolved: bool = False
    resolved_at: float | None = None
    steps: tuple[StepRecord, ...] = ()
    contacts: tuple[PendingContact, ...] = ()
    sent: frozenset[str] = field(default_factory=frozenset)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (``json.dumps`` takes the result as it is)."""
        return {
            "version": _VERSION,
            "policy": self.policy,
            "levels": self.levels,
            "severity": self.severity,
            "opened_at": self.opened_at,
            "level": self.level,
            "round": self.round,
            "step": self.step,
            "due": self.due,
            "acknowledged": self.acknowledged,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_until": self.acknowledged_until,
            "exhausted": self.exhausted,
            "resolved": self.resolved,
            "resolved_at": self.resolved_at,
            "steps": [s.to_dict() for s in self.steps],
            "contacts": [c.to_dict() for c in self.contacts],
            "sent": sorted(self.sent),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EscalationState:
        """The state :meth:`to_dict` gave (``ValueError`` for another version)."""
        version = data.get("version")
        if version != _VERSION:
            raise ValueError(f"unknown escalation state version {version!r}")
        level = data.get("level")
        by = data.get("acknowledged_by")
        return cls(
            policy=str(data["policy"]),
            levels=str(data["levels"]),
            severity=str(data["severity"]),
            opened_at=float(data["opened_at"]),
            level=None if level is None else int(level),
            round=int(data.get("round", 0)),
            step=int(data.get("step", 0)),
            due=_opt_float(data.get("due")),
            acknowledged=bool(data.get("acknowledged", False)),
            acknowledged_by=None if by is None else str(by),
            acknowledged_until=_opt_float(data.get("acknowledged_until")),
            exhausted=bool(data.get("exhausted", False)),
            resolved=bool(data.get("resolved", False)),
            resolved_at=_opt_float(data.get("resolved_at")),
            steps=tuple(StepRecord.from_dict(s) for s in data.get("steps", ())),
            contacts=tuple(PendingContact.from_dict(c) for c in data.get("contacts", ())),
            sent=frozenset(str(k) for k in data.get("sent", ())),
        )
