"""Users, teams and overrides as the API sees them: the configuration's (read-only) and
those made through the API (kept in the database with ``source: api``).

Creating through the API a name the configuration defines answers 409; deleting a
configured object answers 409; a reload never deletes what the API made. Every change
rebuilds the on-call roster (``on_change``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal

from tocsin.incidents import Conflict, Invalid, NotFound, Override, Person
from tocsin.model import Clock
from tocsin.store import IncidentStore

__all__ = ["StorePeople"]

Kind = Literal["user", "team"]


class StorePeople:
    """A :class:`tocsin.incidents.PeopleService`: the config's people in memory, the
    API's in the store."""

    def __init__(
        self,
        store: IncidentStore,
        clock: Clock,
        *,
        users: Mapping[str, Mapping[str, Any]] = {},
        teams: Mapping[str, Mapping[str, Any]] = {},
        schedules: Sequence[str] = (),
        config_overrides: Sequence[Override] = (),
    ) -> None:
        self.store = store
        self.clock = clock
        self.config: dict[Kind, dict[str, Mapping[str, Any]]] = {
            "user": dict(users),
            "team": dict(teams),
        }
        self.schedules = set(schedules)
        self.config_overrides = list(config_overrides)
        self.on_change: Callable[[], Awaitable[None]] | None = None  # the roster rebuilds

    async def _changed(self) -> None:
        if self.on_change is not None:
            await self.on_change()

    def _person(self, kind: Kind, row: Mapping[str, Any]) -> Person:
        return Person(kind, row["name"], row["body"], "api", row["created_at"], row["updated_at"])

    async def _list(self, kind: Kind) -> list[Person]:
        listed = [Person(kind, n, b, "config") for n, b in self.config[kind].items()]
        rows = await asyncio.to_thread(self.store.people, kind)
        return sorted(listed + [self._person(kind, r) for r in rows], key=lambda p: p.name)

    async def _get(self, kind: Kind, name: str) -> Person | NotFound:
        if name in self.config[kind]:
            return Person(kind, name, self.config[kind][name], "config")
        row = await asyncio.to_thread(self.store.person, kind, name)
        return NotFound(kind, name) if row is None else self._person(kind, row)

    async def _create(self, kind: Kind, body: Mapping[str, Any]) -> Person | Conflict | Invalid:
        name = str(body["name"])
        if name in self.config[kind]:
            return Conflict(f"{kind} {name!r} is defined in the configuration")
        if kind == "team":
            known = {p.name for p in await self._list("user")}
            for i, member in enumerate(body.get("members", [])):
                if member not in known:
                    return Invalid(f"members.{i}", f"unknown user {member!r}")
        if not await self.store.create_person(kind, name, dict(body), self.clock.now()):
            return Conflict(f"{kind} {name!r} already exists")
        found = await self._get(kind, name)
        assert isinstance(found, Person)
        await self._changed()
        return found

    async def _delete(self, kind: Kind, name: str) -> NotFound | Conflict | None:
        if name in self.config[kind]:
            return Conflict(f"{kind} {name!r} is defined in the configuration: change it there")
        if not await self.store.delete_person(kind, name):
            return NotFound(kind, name)
        await self._changed()
        return None

    async def list_users(self) -> Sequence[Person]:
        return await self._list("user")

    async def get_user(self, name: str) -> Person | NotFound:
        return await self._get("user", name)

    async def create_user(self, body: Mapping[str, Any]) -> Person | Conflict | Invalid:
        return await self._create("user", body)

    async def delete_user(self, name: str) -> NotFound | Conflict | None:
        return await self._delete("user", name)

    async def list_teams(self) -> Sequence[Person]:
        return await self._list("team")

    async def get_team(self, name: str) -> Person | NotFound:
        return await self._get("team", name)

    async def create_team(self, body: Mapping[str, Any]) -> Person | Conflict | Invalid:
        return await self._create("team", body)

    async def delete_team(self, name: str) -> NotFound | Conflict | None:
        return await self._delete("team", name)

    async def list_overrides(self) -> Sequence[Override]:
        rows = await asyncio.to_thread(self.store.people, "override")
        made = [
            Override(
                r["name"],
                r["body"]["schedule"],
                r["body"]["user"],
                r["body"]["start"],
                r["body"]["end"],
                "api",
                r["created_at"],
            )
            for r in rows
        ]
        return self.config_overrides + made

    async def create_override(
        self, schedule: str, user: str, start: float, end: float
    ) -> str | Conflict | Invalid:
        if schedule not in self.schedules:
            return Invalid("schedule", f"unknown schedule {schedule!r}")
        if isinstance(await self.get_user(user), NotFound):
            return Invalid("user", f"unknown user {user!r}")
        override_id = secrets.token_hex(6)
        body = {"schedule": schedule, "user": user, "start": start, "end": end}
        await self.store.create_person("override", override_id, body, self.clock.now())
        await self._changed()
        return override_id

    async def delete_override(self, id: str) -> NotFound | Conflict | None:
        if any(o.id == id for o in self.config_overrides):
            return Conflict(f"override {id!r} is defined in the configuration")
        if not await self.store.delete_person("override", id):
            return NotFound("override", id)
        await self._changed()
        return None
