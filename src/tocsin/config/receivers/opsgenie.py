"""``opsgenie_configs``: Opsgenie alerts API (validated; tocsin cannot send it)."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from tocsin.config._base import Model, SecretFile
from tocsin.config._types import URL, Secret, Str, StrMap, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["OpsGenieConfig", "OpsGenieResponder"]

_VALID_TYPES = "^(team|teams|user|escalation|schedule)$"


class OpsGenieResponder(Model):
    id: Str = ""
    name: Str = ""
    username: Str = ""
    type: Str = ""

    def go_repr(self) -> str:
        return "{" + " ".join((self.id, self.name, self.username, self.type)) + "}"


def _none_list(value: Any) -> Any:
    return [] if value is None else value


class OpsGenieConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    api_key: Secret | None = None
    api_key_file: Str = ""
    api_url: URL | None = None
    message: Str = '{{ template "opsgenie.default.message" . }}'
    description: Str = '{{ template "opsgenie.default.description" . }}'
    source: Str = '{{ template "opsgenie.default.source" . }}'
    details: StrMap = Field(default_factory=dict)
    entity: Str = ""
    responders: Annotated[list[OpsGenieResponder], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    actions: Str = ""
    tags: Str = ""
    note: Str = ""
    priority: Str = ""
    update_alerts: bool = False

    secret_files: ClassVar[tuple[SecretFile, ...]] = (SecretFile("api_key", "api_key_file"),)

    @model_validator(mode="after")
    def _check(self) -> Self:
        for i, responder in enumerate(self.responders):
            if not (responder.id or responder.username or responder.name):
                fail(
                    f"opsGenieConfig responder {responder.go_repr()} has to have at least "
                    "one of id, username or name specified",
                    "responders",
                    i,
                )
            if "{{" in responder.type:
                continue
            # Alertmanager lowercases a copy: the check is case-insensitive, the value kept.
            if not re.match(_VALID_TYPES, responder.type.lower()):
                fail(
                    f"opsGenieConfig responder {responder.go_repr()} type does not match "
                    f"valid options {_VALID_TYPES}",
                    "responders",
                    i,
                )
        return self
