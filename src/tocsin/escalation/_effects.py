"""What the escalation engine asks the runtime to do, and what it reports.

Every effect is a frozen dataclass. The ones that send (:class:`Page`,
:class:`NotifyTeam`) carry a ``key`` that is unique within one escalation and stable across
replays: the runtime records sends by key (prefixed with the incident's id) and the engine
never emits a key twice from the same history. The others are facts for the incident's
timeline, logs and metrics.

``level`` is the index of the level in the incident's level list, or :data:`ULTIMATE` for
the policy's ``ultimate`` targets; ``step`` counts the levels visited by this escalation
(0 for the first), gaps included.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ULTIMATE",
    "AckExpired",
    "AckRefused",
    "Effect",
    "Escalated",
    "Exhausted",
    "Gap",
    "NotifyTeam",
    "Page",
    "Repeated",
    "Unreachable",
]

ULTIMATE = -1
"""The ``level`` of the policy's ``ultimate`` targets."""


@dataclass(frozen=True)
class Page:
    """Contact ``user`` by ``contact`` (``email``, ``slack``, ``sms`` or ``voice``)."""

    user: str
    contact: str
    level: int
    step: int
    key: str


@dataclass(frozen=True)
class NotifyTeam:
    """Send to ``receiver``, the channel of ``team``: for a team target, and for a person
    who has no usable contact method."""

    team: str
    receiver: str
    level: int
    step: int
    key: str


@dataclass(frozen=True)
class Escalated:
    """A level was reached and its people were paged (every step that notified someone,
    the first included)."""

    level: int
    step: int


@dataclass(frozen=True)
class Gap:
    """A level notified nobody (its schedules had no one on call, its people could not be
    contacted): the escalation went on to the next level at once."""

    level: int
    step: int


@dataclass(frozen=True)
class Unreachable:
    """``user`` was reached by a target but has no usable contact method and no team
    channel to fall back on (or is not a configured user)."""

    user: str
    level: int
    step: int


@dataclass(frozen=True)
class Repeated:
    """The level list starts again from the first level; ``round`` is 1 for the first
    repeat."""

    round: int


@dataclass(frozen=True)
class Exhausted:
    """Every level, repeat and the ultimate targets were tried; escalation stops (contacts
    already scheduled for the people paged still go out until acknowledged or resolved)."""


@dataclass(frozen=True)
class AckExpired:
    """The acknowledgement ran out (``ack_timeout``): the incident is triggered again and
    escalation resumes at the next level."""

    user: str


@dataclass(frozen=True)
class AckRefused:
    """An acknowledgement was refused; ``reason`` says why."""

    reason: str


Effect = Page | NotifyTeam | Escalated | Gap | Unreachable | Repeated | Exhausted | AckExpired
