"""``victorops_configs``: Splunk On-Call / VictorOps (validated; tocsin cannot send it)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator

from tocsin.config._base import SecretFile
from tocsin.config._types import URL, Secret, Str, StrMap, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["VictorOpsConfig"]

_RESERVED = (
    "routing_key",
    "message_type",
    "state_message",
    "entity_display_name",
    "monitoring_tool",
    "entity_id",
    "entity_state",
)


class VictorOpsConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    api_key: Secret | None = None
    api_key_file: Str = ""
    api_url: URL | None = None
    routing_key: Str = ""
    message_type: Str = "CRITICAL"
    state_message: Str = '{{ template "victorops.default.state_message" . }}'
    entity_display_name: Str = '{{ template "victorops.default.entity_display_name" . }}'
    monitoring_tool: Str = '{{ template "victorops.default.monitoring_tool" . }}'
    custom_fields: StrMap = Field(default_factory=dict)

    secret_files: ClassVar[tuple[SecretFile, ...]] = (SecretFile("api_key", "api_key_file"),)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.routing_key:
            fail("missing Routing key in VictorOps config")
        for name in _RESERVED:
            if name in self.custom_fields:
                fail(
                    f"victorOps config contains custom field {name} which cannot be used "
                    "as it conflicts with the fixed/static fields",
                    "custom_fields",
                    name,
                )
        return self
