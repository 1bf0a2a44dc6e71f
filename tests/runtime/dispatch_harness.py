"""A dispatcher over a real store, a fake clock and recording channels."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tocsin.api import Metrics
from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.config import load_config_text
from tocsin.model import Alert, FakeClock, fingerprint
from tocsin.pipeline import Integration, Silencer
from tocsin.runtime.channels import Endpoint
from tocsin.runtime.dispatch import Dispatcher, DispatchOptions
from tocsin.store import AlertStore, Database, DispatchStore, SilenceStore


@dataclass
class Sent:
    at: float
    receiver: str
    kind: str
    index: int
    status: str
    group_labels: dict[str, str]
    firing: list[str]  # alertname/instance of firing alerts, sorted
    resolved: list[str]
    key: str
    state: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recorder:
    sent: list[Sent] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)  # raised by the next sends
    failing: dict[str, list[DeliveryError]] = field(default_factory=dict)  # by receiver
    clock: FakeClock | None = None
    attempts: int = 0

    def factory(self, integration: Integration, _url: str) -> Endpoint:
        recorder = self

        class Channel:
            async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
                recorder.attempts += 1
                if recorder.failures:
                    raise recorder.failures.pop(0)
                own = recorder.failing.get(integration.receiver)
                if own:
                    raise own[0] if len(own) == 1 else own.pop(0)
                assert recorder.clock is not None

                def name(a: Alert) -> str:
                    return a.labels.get("instance") or a.labels.get("alertname", "?")

                recorder.sent.append(
                    Sent(
                        recorder.clock.now(),
                        message.receiver,
                        integration.kind,
                        integration.index,
                        message.status,
                        dict(message.group_labels),
                        sorted(name(a) for a in message.alerts if a.ends_at > message.now),
                        sorted(name(a) for a in message.alerts if a.ends_at <= message.now),
                        idempotency_key,
                        dict(message.state),
                        dict(message.extra),
                    )
                )
                return SendResult(
                    status=200, state={"ts": str(len(recorder.sent)), "first": "kept"}
                )

        config = integration.config
        return Endpoint(
            Channel(),
            integration.receiver,
            display=f"{integration.receiver}-target",
            rate_limit=config.rate_limit if config is not None else None,
        )


class Harness:
    def __init__(self, db: Database, clock: FakeClock, config_text: str) -> None:
        self.db = db
        self.clock = clock
        self.config_text = config_text
        self.recorder = Recorder(clock=clock)
        self.alerts = AlertStore(db)
        self.silences = SilenceStore(db)
        self.dispatcher: Dispatcher

    async def start(self, resolve_timeout: float = 300.0) -> None:
        self.alerts.load(self.clock.now(), resolve_timeout)
        self.silences.load()
        self.dispatcher = Dispatcher(
            load_config_text(self.config_text),
            clock=self.clock,
            metrics=Metrics(),
            store=DispatchStore(self.db),
            alerts=self.alerts,
            silencer=Silencer(self.silences),
            options=DispatchOptions(external_url="http://tocsin.example"),
            rng=random.Random(7),
            endpoint_factory=self.recorder.factory,
        )
        await self.dispatcher.restore()
        assert await self.dispatcher.lease_once(first=True)

    async def post(self, *items: dict[str, Any]) -> None:
        """Post alerts: each item has labels and optional starts/ends (offsets from now)."""
        now = self.clock.now()
        posted = []
        for item in items:
            labels = dict(item["labels"])
            starts = now + item.get("starts", 0.0)
            ends = now + item["ends"] if "ends" in item else now + 3600.0
            posted.append(
                Alert(fingerprint(labels), labels, item.get("annotations", {}), starts, ends, now)
            )
        result = await self.alerts.put(posted, now)
        self.dispatcher.on_alerts(result.changed, result.refreshed_fingerprints, now)

    async def run_until(self, until: float) -> None:
        """Move the clock to ``until``, stopping at every due flush and retry."""
        d = self.dispatcher
        while True:
            candidates = [t for t in (d.table.next_due(), d._next_retry()) if t is not None]
            nxt = min(candidates) if candidates else None
            if nxt is None or nxt > until:
                self.clock.set(max(until, self.clock.now()))
                await d.step(self.clock.now())
                return
            self.clock.set(max(nxt, self.clock.now()))
            await d.step(self.clock.now())

    async def advance(self, seconds: float) -> None:
        await self.run_until(self.clock.now() + seconds)

    def times(self, start: float) -> list[float]:
        return [round(s.at - start, 3) for s in self.recorder.sent]
