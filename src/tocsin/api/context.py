"""What the HTTP layer needs from the running server, handed in by the runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tocsin.api.metrics import Metrics
from tocsin.model import Alert, Clock
from tocsin.pipeline import AggregationGroup, InhibitionRule, Silencer
from tocsin.store import AlertStore, DeliveryQuery, SilenceStore

__all__ = ["ApiContext", "ConfigView"]


@dataclass(slots=True)
class ConfigView:
    """The parts of the loaded configuration the API shows."""

    resolve_timeout: float
    receiver_names: Sequence[str]
    alertmanager_yaml: str
    redacted: Mapping[str, Any]
    receivers_for: Callable[[Mapping[str, str]], list[str]]
    inhibition_rules: Sequence[InhibitionRule] = ()


@dataclass(slots=True)
class ApiContext:
    """The server's state as the HTTP layer sees it."""

    clock: Clock
    metrics: Metrics
    config: ConfigView
    reload: Callable[[], Awaitable[None]]
    version: str
    started_at: float
    external_url: str
    store_backend: str
    alerts: AlertStore | None = None
    silences: SilenceStore | None = None
    silencer: Silencer | None = None
    ready: bool = False
    # The dispatcher: told about committed alerts, and asked for its aggregation groups.
    on_alerts: Callable[[Sequence[Alert], Sequence[str], float], None] | None = None
    groups: Callable[[], Iterable[AggregationGroup]] | None = None
    # The delivery log (blocking; the API calls it in a thread).
    delivery_log: Callable[[DeliveryQuery], list[dict[str, Any]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
