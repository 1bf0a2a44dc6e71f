"""``pagerduty_configs``: PagerDuty Events API v2 (``routing_key``) or v1 (``service_key``)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from tocsin.config._base import Model, SecretFile
from tocsin.config._types import URL, Secret, Str, StrMap, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["DEFAULT_PAGERDUTY_DETAILS", "PagerdutyConfig", "PagerdutyImage", "PagerdutyLink"]

DEFAULT_PAGERDUTY_DETAILS = {
    "firing": '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
    "resolved": '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
    "num_firing": "{{ .Alerts.Firing | len }}",
    "num_resolved": "{{ .Alerts.Resolved | len }}",
}


class PagerdutyImage(Model):
    src: Str = ""
    alt: Str = ""
    href: Str = ""


class PagerdutyLink(Model):
    href: Str = ""
    text: Str = ""


def _none_list(value: Any) -> Any:
    return [] if value is None else value


class PagerdutyConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    service_key: Secret | None = None
    service_key_file: Str = ""
    routing_key: Secret | None = None
    routing_key_file: Str = ""
    url: URL | None = None
    client: Str = '{{ template "pagerduty.default.client" . }}'
    client_url: Str = '{{ template "pagerduty.default.clientURL" . }}'
    description: Str = '{{ template "pagerduty.default.description" .}}'
    details: StrMap = Field(default_factory=dict)
    images: Annotated[list[PagerdutyImage], BeforeValidator(_none_list)] = Field(
        default_factory=list
    )
    links: Annotated[list[PagerdutyLink], BeforeValidator(_none_list)] = Field(default_factory=list)
    source: Str = ""
    severity: Str = ""
    class_: Str = Field(default="", alias="class")
    component: Str = ""
    group: Str = ""

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile("routing_key", "routing_key_file"),
        SecretFile("service_key", "service_key_file"),
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not (
            self.routing_key or self.service_key or self.routing_key_file or self.service_key_file
        ):
            fail("missing service or routing key in PagerDuty config")
        if not self.source:
            self.source = self.client
        for key, value in DEFAULT_PAGERDUTY_DETAILS.items():
            self.details.setdefault(key, value)
        return self
