"""What the dispatcher keeps per flush and per delivery, what it derives from a
configuration, and how its outbox rows and messages are made."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tocsin.channels import Message
from tocsin.config import Config, Receiver, SeverityConfig
from tocsin.pipeline import (
    AggregationGroup,
    Delivery,
    InhibitionRule,
    Integration,
    NotifyKey,
    RouteNode,
    TimeIntervalMuter,
    build_inhibition_rules,
    build_routes,
    receiver_integrations,
)
from tocsin.runtime.channels import Endpoint, build_endpoint, people_endpoints
from tocsin.runtime.outbox import (
    delivery_body,
)
from tocsin.templates import Templates

__all__ = [
    "DispatchOptions",
    "Flush",
    "Pending",
    "Setup",
    "backoff_delays",
    "build_setup",
    "key_text",
    "message_for",
    "outbox_row",
    "severity_of",
    "tocsin_backoff_delays",
]

log = logging.getLogger("tocsin.dispatch")


@dataclass(frozen=True, slots=True)
class DispatchOptions:
    external_url: str
    maintenance_interval: float = 30.0  # removing empty groups, as Alertmanager does
    lease_ttl: float = 5.0
    lease_renew: float = 1.0
    max_wait: float = 0.5  # longest sleep: the clock may be moved by a test
    concurrency: int = 64


def backoff_delays(rng: random.Random) -> Iterator[float]:
    """Alertmanager's retry backoff: 0.5 s × 1.5ⁿ (at most 60 s), randomised by ±50 %."""
    interval = 0.5
    while True:
        yield interval * (0.5 + rng.random())
        interval = min(interval * 1.5, 60.0)


def tocsin_backoff_delays(rng: random.Random) -> Iterator[float]:
    """tocsin's own receiver types (SMS, voice): 1 s × 2ⁿ (at most 5 min), ±50 %."""
    interval = 1.0
    while True:
        yield interval * (0.5 + rng.random())
        interval = min(interval * 2.0, 300.0)


@dataclass(slots=True, eq=False)
class Flush:
    """The deliveries of one flush still in progress, and what leaves the group after."""

    group: AggregationGroup
    resolved: dict[str, float]
    now: float
    outstanding: int
    failed: bool = False


@dataclass(slots=True, eq=False)
class Pending:
    delivery: Delivery
    flush: Flush | None
    delays: Iterator[float]
    due: float = 0.0
    cancelled: bool = False
    attempts: int = 0
    admitted: bool = False  # took its rate-limit token
    carrying: list[Pending] = field(default_factory=list)  # held back, summarised by it


@dataclass(slots=True)
class Setup:
    """What the dispatcher derives from a loaded configuration."""

    routes: RouteNode
    integrations: dict[str, list[Integration]]
    endpoints: dict[tuple[str, str, int], Endpoint]
    inhibition: list[InhibitionRule] = field(default_factory=list)
    time_muter: TimeIntervalMuter | None = None
    receivers: dict[str, Receiver] = field(default_factory=dict)
    severity: SeverityConfig = field(default_factory=SeverityConfig)
    templates: Templates | None = None
    people: dict[str, Endpoint] = field(default_factory=dict)  # by contact type


def build_setup(
    config: Config,
    external_url: str,
    factory: Callable[[Integration, str], Endpoint],
    on_render_failure: Callable[[str], None] | None = None,
) -> Setup:
    integrations = receiver_integrations(config.receivers)
    base = config.source_path.parent if config.source_path is not None else None
    templates = Templates(config.templates, on_render_failure=on_render_failure)
    positions = {r.name: i for i, r in enumerate(config.receivers)}

    def make(i: Integration) -> Endpoint:
        if factory is build_endpoint:
            at = ("receivers", positions.get(i.receiver, 0), f"{i.kind}_configs", i.index)

            def where(name: str) -> str:
                return config.position(*at, name)

            return build_endpoint(i, external_url, base, templates, where)
        return factory(i, external_url)

    endpoints = {
        (i.receiver, i.kind, i.index): make(i) for items in integrations.values() for i in items
    }
    for warning in templates.warnings:
        log.warning("%s", warning)
    people = (
        people_endpoints(config, external_url, templates, base) if factory is build_endpoint else {}
    )
    return Setup(
        routes=build_routes(config.route),
        integrations=integrations,
        endpoints=endpoints,
        inhibition=list(build_inhibition_rules(config.inhibit_rules)),
        time_muter=TimeIntervalMuter(config.time_interval_map),
        receivers={r.name: r for r in config.receivers},
        severity=config.severity,
        templates=templates,
        people=people,
    )


def outbox_row(delivery: Delivery, now: float) -> dict[str, object]:
    return {"group_id": delivery.group_id, "body": delivery_body(delivery), "flushed_at": now}


def message_for(delivery: Delivery, extra: dict[str, Any], state: dict[str, Any]) -> Message:
    firing = any(a.ends_at > delivery.now for a in delivery.alerts)
    receiver = delivery.key.receiver
    if delivery.fallback_for is not None:  # a fallback speaks for its primary receiver
        receiver = delivery.fallback_for.receiver
    return Message(
        receiver=receiver,
        status="firing" if firing else "resolved",
        group_key=delivery.key.group_key,
        group_labels=delivery.group_labels,
        alerts=delivery.alerts,
        now=delivery.now,
        extra=extra,
        state=state,
    )


def severity_of(delivery: Delivery, severity: SeverityConfig) -> str:
    """The highest severity of the alerts that fire (of all of them when none fires)."""
    firing = [a for a in delivery.alerts if a.ends_at > delivery.now] or delivery.alerts
    return min((severity.level_of(a.labels) for a in firing), default="P3")


def key_text(key: NotifyKey | None) -> str:
    """A notification-log key as one line (empty for None)."""
    if key is None:
        return ""
    return f"{key.receiver}/{key.integration}[{key.index}]"
