"""What the HTTP layer asks of the running server about incidents and people.

The runtime puts an :class:`IncidentService` in ``ctx.extra["incidents"]`` and a
:class:`PeopleService` in ``ctx.extra["people"]``. Every method is async and answers with
a result or a refusal value (see :mod:`tocsin.incidents.errors`); the API maps refusals to
statuses. :class:`IncidentActions` is an ``IncidentService`` over a store that keeps
incidents as rows (``tocsin.store.IncidentStore`` is one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from tocsin.incidents.codec import (
    alert_to_row,
    event_from_row,
    event_to_row,
    incident_from_row,
    incident_to_row,
)
from tocsin.incidents.errors import (
    CommentRequired,
    Conflict,
    Invalid,
    InvalidTransition,
    NotFound,
)
from tocsin.incidents.lifecycle import acknowledge, resolve
from tocsin.incidents.record import Change, Incident, TimelineEvent
from tocsin.model import Clock

__all__ = [
    "IncidentActions",
    "IncidentDetail",
    "IncidentFilter",
    "IncidentRepository",
    "IncidentService",
    "Override",
    "PeopleService",
    "Person",
]


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Which incidents to list: any of ``status``, any of ``severity``, opened at or after
    ``since``; at most ``limit``, newest first."""

    status: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    since: float | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """An incident with its timeline, oldest event first."""

    incident: Incident
    timeline: tuple[TimelineEvent, ...] = ()


class IncidentService(Protocol):
    """Incidents as the API reads and changes them. ``ref`` is an incident's id or its
    number."""

    async def list(self, filters: IncidentFilter) -> Sequence[Incident]: ...

    async def get(self, ref: str) -> IncidentDetail | NotFound: ...

    async def acknowledge(
        self, ref: str, by: str, comment: str
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict: ...

    async def resolve(
        self, ref: str, by: str, comment: str
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict: ...


Source = Literal["api", "config"]


@dataclass(frozen=True, slots=True)
class Person:
    """A user or a team: its body as the configuration's ``users``/``teams`` items write
    it, and where it comes from."""

    kind: Literal["user", "team"]
    name: str
    body: Mapping[str, Any]
    source: Source
    created_at: float | None = None
    updated_at: float | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """``user`` takes the shifts of ``schedule`` from ``start`` to ``end``."""

    id: str
    schedule: str
    user: str
    start: float
    end: float
    source: Source = "api"
    created_at: float | None = None


class PeopleService(Protocol):
    """Users, teams and overrides: those of the configuration (read-only here) and those
    made through the API."""

    async def list_users(self) -> Sequence[Person]: ...

    async def get_user(self, name: str) -> Person | NotFound: ...

    async def create_user(self, body: Mapping[str, Any]) -> Person | Conflict | Invalid: ...

    async def delete_user(self, name: str) -> NotFound | Conflict | None: ...

    async def list_teams(self) -> Sequence[Person]: ...

    async def get_team(self, name: str) -> Person | NotFound: ...

    async def create_team(self, body: Mapping[str, Any]) -> Person | Conflict | Invalid: ...

    async def delete_team(self, name: str) -> NotFound | Conflict | None: ...

    async def list_overrides(self) -> Sequence[Override]: ...

    async def create_override(
        self, schedule: str, user: str, start: float, end: float
    ) -> str | Conflict | Invalid: ...

    async def delete_override(self, id: str) -> NotFound | Conflict | None: ...


class IncidentRepository(Protocol):
    """The reads (blocking) and the write an :class:`IncidentActions` needs."""

    def find(self, ref: str) -> dict[str, Any] | None: ...

    def list_incidents(
        self,
        *,
        status: Sequence[str] = (),
        severity: Sequence[str] = (),
        since: float | None = None,
        limit: int = 100,
    ) -> Sequence[dict[str, Any]]: ...

    def timeline(self, incident_id: str) -> Sequence[dict[str, Any]]: ...

    async def save(
        self,
        row: dict[str, Any],
        alerts: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
        expected_version: int,
    ) -> bool: ...


OnChange = Callable[[Change], Awaitable[None]]


@dataclass(slots=True)
class IncidentActions:
    """:class:`IncidentService` over ``repository``: reads in a thread, changes by the pure
    lifecycle and an optimistic save, tried again (``attempts`` times in all) when another
    writer changed the incident in between. ``on_change`` hears of every stored change
    (the runtime tells the escalation engine)."""

    repository: IncidentRepository
    clock: Clock
    require_resolve_comment: bool = False
    on_change: OnChange | None = None
    attempts: int = 5

    async def list(self, filters: IncidentFilter) -> Sequence[Incident]:
        rows = await asyncio.to_thread(
            self.repository.list_incidents,
            status=filters.status,
            severity=filters.severity,
            since=filters.since,
            limit=filters.limit,
        )
        return [incident_from_row(row, row.get("alerts", ())) for row in rows]

    async def _find(self, ref: str) -> Incident | NotFound:
        row = await asyncio.to_thread(self.repository.find, ref)
        if row is None:
            return NotFound("incident", ref)
        return incident_from_row(row, row.get("alerts", ()))

    async def get(self, ref: str) -> IncidentDetail | NotFound:
        found = await self._find(ref)
        if isinstance(found, NotFound):
            return found
        rows = await asyncio.to_thread(self.repository.timeline, found.id)
        return IncidentDetail(found, tuple(event_from_row(r) for r in rows))

    async def acknowledge(
        self, ref: str, by: str, comment: str
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict:
        async def apply(incident: Incident) -> Change | InvalidTransition:
            return acknowledge(incident, by, comment, self.clock.now())

        return await self._change(ref, apply)

    async def resolve(
        self, ref: str, by: str, comment: str
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict:
        async def apply(incident: Incident) -> Change | InvalidTransition | CommentRequired:
            return resolve(
                incident,
                by,
                comment,
                self.clock.now(),
                require_comment=self.require_resolve_comment,
            )

        return await self._change(ref, apply)

    async def _change(
        self,
        ref: str,
        apply: Callable[[Incident], Awaitable[Change | InvalidTransition | CommentRequired]],
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict:
        for _ in range(self.attempts):
            found = await self._find(ref)
            if isinstance(found, NotFound):
                return found
            change = await apply(found)
            if not isinstance(change, Change):
                return change
            saved = await self.repository.save(
                incident_to_row(change.incident),
                [alert_to_row(a) for a in change.incident.alerts.values()],
                [event_to_row(e) for e in change.events],
                found.version,
            )
            if saved:
                stored = replace(change.incident, version=found.version + 1)
                if self.on_change is not None:
                    await self.on_change(Change(stored, change.events))
                return stored
        return Conflict(f"incident {ref} kept changing while being updated; try again")
