"""In-memory services over the real store, and an app serving the incident and people
routes, for the API and CLI tests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tocsin import __version__
from tocsin.api import ApiContext, Metrics
from tocsin.api._incidents import INCIDENT_ROUTES
from tocsin.api._people import PEOPLE_ROUTES
from tocsin.config import load_config_text
from tocsin.incidents import (
    Change,
    Conflict,
    Incident,
    IncidentActions,
    Invalid,
    NotFound,
    Override,
    Person,
    alert_to_row,
    event_to_row,
    incident_from_row,
    incident_to_row,
    open_incident,
)
from tocsin.model import Clock, FakeClock
from tocsin.runtime import config_view
from tocsin.store.incidents import IncidentStore

CONFIG = "route: {receiver: r}\nreceivers: [{name: r}]\n"
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
        self._ids = itertools.count(1)

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
        return found

    async def _delete(self, kind: Kind, name: str) -> NotFound | Conflict | None:
        if name in self.config[kind]:
            return Conflict(f"{kind} {name!r} is defined in the configuration: change it there")
        if not await self.store.delete_person(kind, name):
            return NotFound(kind, name)
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
        override_id = f"{next(self._ids):012x}"
        body = {"schedule": schedule, "user": user, "start": start, "end": end}
        await self.store.create_person("override", override_id, body, self.clock.now())
        return override_id

    async def delete_override(self, id: str) -> NotFound | Conflict | None:
        if any(o.id == id for o in self.config_overrides):
            return Conflict(f"override {id!r} is defined in the configuration")
        if not await self.store.delete_person("override", id):
            return NotFound("override", id)
        return None


async def store_opened(store: IncidentStore, change: Change) -> Incident:
    inc = change.incident
    number = await store.open(
        incident_to_row(inc),
        [alert_to_row(a) for a in inc.alerts.values()],
        [event_to_row(e) for e in change.events],
    )
    assert number is not None
    row = await asyncio.to_thread(store.get, inc.id)
    assert row is not None
    return incident_from_row(row, row["alerts"])


def open_sample(
    store: IncidentStore,
    incident_id: str,
    alertname: str,
    now: float,
    *,
    severity: str = "P1",
    service: str = "api",
) -> Incident:
    change = open_incident(
        id=incident_id,
        route_path="/0",
        group_labels={"alertname": alertname},
        alerts={f"fp-{incident_id}": {"alertname": alertname, "service": service}},
        severity=severity,
        policy="web-oncall",
        now=now,
    )
    return asyncio.run(store_opened(store, change))


def build_app(
    store: IncidentStore,
    clock: FakeClock,
    people: StorePeople | None = None,
    *,
    require_resolve_comment: bool = False,
    services: bool = True,
) -> Starlette:
    """The incident and people routes over ``store``, as the server registers them."""

    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=config_view(load_config_text(CONFIG)),
        reload=reload,
        version=__version__,
        started_at=clock.now(),
        external_url="http://127.0.0.1:9093",
        store_backend=store.dialect,
        ready=True,
    )
    if services:
        ctx.extra["incidents"] = IncidentActions(
            store, clock, require_resolve_comment=require_resolve_comment
        )
        ctx.extra["people"] = people or StorePeople(store, clock)

    def bind(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            response: Response = await handler(request, ctx)
            return response

        return endpoint

    routes = [
        Route(path, bind(handler), methods=list(methods))
        for path, handler, methods in (*INCIDENT_ROUTES, *PEOPLE_ROUTES)
    ]
    return Starlette(routes=routes)
