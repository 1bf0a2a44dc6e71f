"""Refusals of the incident lifecycle and of the services the API calls.

They are values, returned in place of a result, never raised: a refusal is an ordinary
outcome of a request (acknowledging what is already resolved), and the caller decides what
it becomes — the HTTP layer alone maps them to statuses::

    Refusal
    ├── InvalidTransition   the incident's status does not allow it        409
    ├── CommentRequired     this transition needs a comment                422
    ├── NotFound            no such incident, user, team or override       404
    ├── Conflict            a name already taken, or defined in the config 409
    └── Invalid             a value the service refuses (unknown schedule) 422
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CommentRequired",
    "Conflict",
    "Invalid",
    "InvalidTransition",
    "NotFound",
    "Refusal",
]


@dataclass(frozen=True, slots=True)
class InvalidTransition:
    """``transition`` is not allowed from the incident's ``status``."""

    incident_id: str
    transition: str
    status: str

    @property
    def message(self) -> str:
        return (
            f"incident {self.incident_id} is {self.status}: it cannot be {_PAST[self.transition]}"
        )


_PAST = {
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "ack_expired": "returned to triggered",
    "join": "joined",
    "alerts_resolved": "resolved by its alerts",
}


@dataclass(frozen=True, slots=True)
class CommentRequired:
    """The transition needs a comment and none was given."""

    transition: str

    @property
    def message(self) -> str:
        return f"comment: a comment is required to {self.transition} an incident"


@dataclass(frozen=True, slots=True)
class NotFound:
    """Nothing called ``ref`` of this ``kind``."""

    kind: str
    ref: str

    @property
    def message(self) -> str:
        return f"{self.kind} {self.ref!r} not found"


@dataclass(frozen=True, slots=True)
class Conflict:
    """The request collides with what exists (a name taken, an object of the config)."""

    message: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """A well-formed request the service refuses; ``field`` names the culprit."""

    field: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.field}: {self.reason}"


Refusal = InvalidTransition | CommentRequired | NotFound | Conflict | Invalid
