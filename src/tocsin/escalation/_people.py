"""People as the escalation engine sees them: when to try which contact, and their teams.

:func:`person_from_config` reads a configured user's notification rules (``after``,
``contact``, already resolved to contact methods by the configuration): each becomes one
contact attempt by type, in time order; two methods of the same type due at the same time
are one attempt (the runtime sends to the person's addresses of that type).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tocsin.config import Team, User

__all__ = ["Person", "person_from_config"]


@dataclass(frozen=True)
class Person:
    """``contacts``: ``(seconds after being paged, contact type)`` in time order, the type
    one of ``email``, ``slack``, ``sms``, ``voice``; ``teams``: the teams the person
    belongs to, whose channels are the fallback when ``contacts`` is empty."""

    name: str
    contacts: tuple[tuple[float, str], ...] = ()
    teams: tuple[str, ...] = ()


def person_from_config(user: User, teams: Sequence[Team]) -> Person:
    """The :class:`Person` for a configured user; ``teams`` is every configured team."""
    contacts: list[tuple[float, str]] = []
    for after, method in user.notification_steps():
        attempt = (after, str(method.type))
        if attempt not in contacts:
            contacts.append(attempt)
    member_of = tuple(team.name for team in teams if user.name in team.members)
    return Person(name=user.name, contacts=tuple(contacts), teams=member_of)
