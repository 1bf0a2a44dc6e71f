"""The ``users`` and ``teams`` sections (tocsin): people, how to reach them, their teams.

A user's ``contact_methods`` default to one per address given (``email``, ``slack`` from
``slack_user_id``, and ``sms`` and ``voice`` from ``phone``), each named after its type; the
``notification_rules`` default to every contact method at once. A rule names a contact
method by its name or by its type (then every method of that type). Names of users, teams
and schedules are ``[a-z0-9._-]+``: they appear in URLs and in escalation targets.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from tocsin.config._base import Model
from tocsin.config._duration import Duration
from tocsin.config._types import Str, StrList, _scalar_text, fail
from tocsin.config.receivers.twilio import is_e164

__all__ = [
    "CONTACT_TYPES",
    "ContactMethod",
    "Name",
    "NotificationRule",
    "Team",
    "User",
    "ZoneName",
    "check_zone",
]

CONTACT_TYPES: tuple[str, ...] = ("email", "slack", "sms", "voice")
_NAME_RE = re.compile(r"^[a-z0-9._-]+$")


def _name(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str) and not _NAME_RE.match(text):
        fail(f'invalid name "{text}": use lower-case letters, digits, ".", "_" and "-"')
    return text


Name = Annotated[Str, BeforeValidator(_name)]
"""A user, team or schedule name: ``[a-z0-9._-]+``."""


def check_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Europe/Berlin``), else ``ValueError``."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{name}"') from None
    return name


def _zone(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str) and text:
        try:
            check_zone(text)
        except ValueError as exc:
            fail(str(exc))
    return text


ZoneName = Annotated[Str, BeforeValidator(_zone)]
"""An IANA time zone name, or empty (the default of the place it is used)."""


def _phone(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str) and text and not is_e164(text):
        fail(f'"{text}" is not an E.164 phone number (such as +14155550100)')
    return text


def _email(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str) and text and "@" not in text:
        fail(f'"{text}" is not an e-mail address')
    return text


class ContactMethod(Model):
    """One way to reach a user: an e-mail address, a Slack user, a phone for SMS or calls."""

    name: Str = ""
    type: Annotated[Literal["email", "slack", "sms", "voice"], BeforeValidator(_scalar_text)]
    address: Str

    @model_validator(mode="after")
    def _check_address(self) -> Self:
        if not self.name:
            self.name = self.type
        if not self.address:
            fail("a contact method needs an address", "address")
        if self.type in ("sms", "voice") and not is_e164(self.address):
            fail(
                f'"{self.address}" is not an E.164 phone number (such as +14155550100)',
                "address",
            )
        if self.type == "email" and "@" not in self.address:
            fail(f'"{self.address}" is not an e-mail address', "address")
        return self


class NotificationRule(Model):
    """Reach ``contact`` (a contact method's name or a type) ``after`` the page starts."""

    after: Duration = Field(default_factory=lambda: Duration(0))
    contact: Str


def _none_list(value: Any) -> Any:
    return [] if value is None else value


class User(Model):
    name: Name
    full_name: Str = ""
    email: Annotated[Str, BeforeValidator(_email)] = ""
    phone: Annotated[Str, BeforeValidator(_phone)] = ""
    slack_user_id: Str = ""
    time_zone: ZoneName = "UTC"
    contact_methods: Annotated[list[ContactMethod], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    notification_rules: Annotated[list[NotificationRule], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _fill_and_check(self) -> Self:
        if not self.time_zone:
            self.time_zone = "UTC"
        if not self.contact_methods:
            self.contact_methods = self._default_contact_methods()
        seen: set[str] = set()
        for i, method in enumerate(self.contact_methods):
            if method.name in seen:
                fail(
                    f'contact method "{method.name}" is defined more than once',
                    "contact_methods",
                    i,
                    "name",
                )
            seen.add(method.name)
        if not self.notification_rules:
            self.notification_rules = [
                NotificationRule(contact=method.name) for method in self.contact_methods
            ]
        for i, rule in enumerate(self.notification_rules):
            if not self.contacts_for(rule.contact):
                fail(
                    f'undefined contact method "{rule.contact}" for user "{self.name}"'
                    " (a contact method name, or one of email, slack, sms, voice that the"
                    " user has)",
                    "notification_rules",
                    i,
                    "contact",
                )
        return self

    def _default_contact_methods(self) -> list[ContactMethod]:
        methods: list[ContactMethod] = []
        if self.email:
            methods.append(ContactMethod(name="email", type="email", address=self.email))
        if self.slack_user_id:
            methods.append(ContactMethod(name="slack", type="slack", address=self.slack_user_id))
        if self.phone:
            methods.append(ContactMethod(name="sms", type="sms", address=self.phone))
            methods.append(ContactMethod(name="voice", type="voice", address=self.phone))
        return methods

    def contacts_for(self, contact: str) -> list[ContactMethod]:
        """The contact methods a rule's ``contact`` names: the one with that name, else
        every method of that type."""
        named = [m for m in self.contact_methods if m.name == contact]
        if named:
            return named
        return [m for m in self.contact_methods if m.type == contact]

    def notification_steps(self) -> list[tuple[float, ContactMethod]]:
        """``(seconds after the page, contact method)`` for every rule, in time order."""
        steps = [
            (rule.after.seconds, method)
            for rule in self.notification_rules
            for method in self.contacts_for(rule.contact)
        ]
        return sorted(steps, key=lambda step: step[0])


class Team(Model):
    name: Name
    members: StrList = Field(default_factory=list)
    receiver: Str = ""
