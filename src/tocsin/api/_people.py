"""``/api/tocsin/v1/users``, ``/teams`` and ``/overrides``: the people registry.

Users and teams come from the configuration's ``users``/``teams`` sections and from this
API; each object is answered with ``"source": "config"`` or ``"api"``. Those of the
configuration are read-only here: creating one of their names, or deleting one, is a 409.
The handlers ask the runtime's :class:`tocsin.incidents.PeopleService`
(``ctx.extra["people"]``). Bodies are validated in full (400 naming the field); a user's
body has the shape of a ``users`` item of the configuration.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._incidents import error, parse_body, refusal_response
from tocsin.api._responses import json_response
from tocsin.api.context import ApiContext
from tocsin.config import Duration
from tocsin.incidents import Override, PeopleService, Person
from tocsin.model.times import TimeFormatError, format_millis, parse_time

__all__ = [
    "PEOPLE_ROUTES",
    "ContactMethodBody",
    "NotificationRuleBody",
    "OverrideBody",
    "TeamBody",
    "UserBody",
    "create_override",
    "create_team",
    "create_user",
    "delete_override",
    "delete_team",
    "delete_user",
    "get_team",
    "get_user",
    "list_overrides",
    "list_teams",
    "list_users",
]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"
_E164 = re.compile(r"\A\+[1-9][0-9]{1,14}\Z")
_EMAIL = re.compile(r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ContactMethodBody(_Body):
    """How to reach a user (as ``users[].contact_methods`` items): a ``type`` and an
    ``address``, and optionally a ``name`` that notification rules can use."""

    name: str = ""
    type: Literal["email", "sms", "voice", "slack"]
    address: str = ""


class NotificationRuleBody(_Body):
    """Reach ``contact`` (a contact method's name or type) ``after`` the page starts (as
    ``users[].notification_rules`` items)."""

    contact: str = Field(min_length=1)
    after: str = "0s"

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str) -> str:
        Duration.parse(value)  # ValueError: the field is named in the answer
        return value


class UserBody(_Body):
    """A user, as an item of the configuration's ``users`` section."""

    name: str = Field(pattern=_NAME)
    full_name: str = ""
    email: str = ""
    phone: str = ""
    slack_user_id: str = ""
    time_zone: str = ""
    contact_methods: list[ContactMethodBody] = Field(default_factory=list)
    notification_rules: list[NotificationRuleBody] = Field(default_factory=list)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not _E164.match(value):
            raise ValueError(f"{value!r} is not an E.164 phone number such as +14155550100")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _rules_name_methods(self) -> Self:
        known = {m.name for m in self.contact_methods if m.name}
        known |= {m.type for m in self.contact_methods}
        for i, rule in enumerate(self.notification_rules):
            if known and rule.contact not in known:
                raise ValueError(
                    f"notification_rules.{i}.contact: {rule.contact!r} is not "
                    "one of the user's contact_methods"
                )
        for i, method in enumerate(self.contact_methods):
            own = {"email": self.email, "sms": self.phone, "voice": self.phone}
            own["slack"] = self.slack_user_id
            if not method.address and not own.get(method.type):
                raise ValueError(
                    f"contact_methods.{i}.address: required for {method.type} "
                    "when the user has no address of that kind"
                )
        return self


class TeamBody(_Body):
    """A team: its members (user names)."""

    name: str = Field(pattern=_NAME)
    full_name: str = ""
    members: list[str] = Field(default_factory=list)


class OverrideBody(_Body):
    """``user`` takes ``schedule``'s shifts from ``start`` to ``end`` (RFC 3339)."""

    schedule: str = Field(min_length=1)
    user: str = Field(min_length=1)
    start: str
    end: str

    def times(self) -> tuple[float, float] | str:
        """(start, end) in seconds, or the message naming the bad field."""
        values: list[float] = []
        for name in ("start", "end"):
            text = getattr(self, name)
            try:
                when = parse_time(text)
            except TimeFormatError:
                when = None
            if when is None or not text:
                return f"{name}: {text!r} is not an RFC 3339 time"
            values.append(when)
        if values[1] <= values[0]:
            return "end: must be after start"
        return values[0], values[1]


def _service(ctx: ApiContext) -> PeopleService | None:
    service: PeopleService | None = ctx.extra.get("people")
    return service


def _unavailable() -> Response:
    return error(503, "the people registry is not available yet")


def _person_json(person: Person) -> dict[str, Any]:
    out = dict(person.body)
    out["name"] = person.name
    out["source"] = person.source
    return out


def _override_json(override: Override) -> dict[str, Any]:
    return {
        "id": override.id,
        "schedule": override.schedule,
        "user": override.user,
        "start": format_millis(override.start),
        "end": format_millis(override.end),
        "source": override.source,
    }


def _name(request: Request) -> str:
    return str(request.path_params.get("name", request.path_params.get("id", "")))


Kind = Literal["user", "team"]


async def _list(ctx: ApiContext, plural: str, kind: Kind) -> Response:
    service = _service(ctx)
    if service is None:
        return _unavailable()
    found = await (service.list_users() if kind == "user" else service.list_teams())
    return json_response({plural: [_person_json(p) for p in found]})


async def _get(request: Request, ctx: ApiContext, kind: Kind) -> Response:
    service = _service(ctx)
    if service is None:
        return _unavailable()
    name = _name(request)
    found = await (service.get_user(name) if kind == "user" else service.get_team(name))
    if not isinstance(found, Person):
        return refusal_response(found)
    return json_response(_person_json(found))


async def _create(request: Request, ctx: ApiContext, kind: Kind) -> Response:
    service = _service(ctx)
    if service is None:
        return _unavailable()
    model: type[UserBody] | type[TeamBody] = UserBody if kind == "user" else TeamBody
    body = await parse_body(request, model)
    if isinstance(body, Response):
        return body
    data = body.model_dump(mode="json")
    made = await (service.create_user(data) if kind == "user" else service.create_team(data))
    if not isinstance(made, Person):
        return refusal_response(made)
    return json_response(_person_json(made), 201)


async def _delete(request: Request, ctx: ApiContext, kind: Kind) -> Response:
    service = _service(ctx)
    if service is None:
        return _unavailable()
    name = _name(request)
    refused = await (service.delete_user(name) if kind == "user" else service.delete_team(name))
    if refused is not None:
        return refusal_response(refused)
    return Response(status_code=204)


async def list_users(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/users``: ``{"users": [...]}``, config and API users."""
    return await _list(ctx, "users", "user")


async def get_user(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/users/{name}``."""
    return await _get(request, ctx, "user")


async def create_user(request: Request, ctx: ApiContext) -> Response:
    """``POST /api/tocsin/v1/users``: 201 and the user."""
    return await _create(request, ctx, "user")


async def delete_user(request: Request, ctx: ApiContext) -> Response:
    """``DELETE /api/tocsin/v1/users/{name}``: 204."""
    return await _delete(request, ctx, "user")


async def list_teams(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/teams``: ``{"teams": [...]}``."""
    return await _list(ctx, "teams", "team")


async def get_team(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/teams/{name}``."""
    return await _get(request, ctx, "team")


async def create_team(request: Request, ctx: ApiContext) -> Response:
    """``POST /api/tocsin/v1/teams``: 201 and the team."""
    return await _create(request, ctx, "team")


async def delete_team(request: Request, ctx: ApiContext) -> Response:
    """``DELETE /api/tocsin/v1/teams/{name}``: 204."""
    return await _delete(request, ctx, "team")


async def list_overrides(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/overrides``: ``{"overrides": [...]}``, soonest first."""
    service = _service(ctx)
    if service is None:
        return _unavailable()
    found = sorted(await service.list_overrides(), key=lambda o: (o.start, o.id))
    return json_response({"overrides": [_override_json(o) for o in found]})


async def create_override(request: Request, ctx: ApiContext) -> Response:
    """``POST /api/tocsin/v1/overrides``: 201 and ``{"id": …}``."""
    service = _service(ctx)
    if service is None:
        return _unavailable()
    body = await parse_body(request, OverrideBody)
    if isinstance(body, Response):
        return body
    times = body.times()
    if isinstance(times, str):
        return error(400, times)
    made = await service.create_override(body.schedule, body.user, *times)
    if not isinstance(made, str):
        return refusal_response(made)
    return json_response(
        _override_json(Override(made, body.schedule, body.user, times[0], times[1])), 201
    )


async def delete_override(request: Request, ctx: ApiContext) -> Response:
    """``DELETE /api/tocsin/v1/overrides/{id}``: 204."""
    service = _service(ctx)
    if service is None:
        return _unavailable()
    refused = await service.delete_override(str(request.path_params.get("id", "")))
    if refused is not None:
        return refusal_response(refused)
    return Response(status_code=204)


Handler = Callable[[Request, ApiContext], Awaitable[Response]]

PEOPLE_ROUTES: tuple[tuple[str, Handler, tuple[str, ...]], ...] = (
    ("/api/tocsin/v1/users", list_users, ("GET",)),
    ("/api/tocsin/v1/users", create_user, ("POST",)),
    ("/api/tocsin/v1/users/{name}", get_user, ("GET",)),
    ("/api/tocsin/v1/users/{name}", delete_user, ("DELETE",)),
    ("/api/tocsin/v1/teams", list_teams, ("GET",)),
    ("/api/tocsin/v1/teams", create_team, ("POST",)),
    ("/api/tocsin/v1/teams/{name}", get_team, ("GET",)),
    ("/api/tocsin/v1/teams/{name}", delete_team, ("DELETE",)),
    ("/api/tocsin/v1/overrides", list_overrides, ("GET",)),
    ("/api/tocsin/v1/overrides", create_override, ("POST",)),
    ("/api/tocsin/v1/overrides/{id}", delete_override, ("DELETE",)),
)
"""(path, handler, methods) of every route of this module, for ``create_app``."""
