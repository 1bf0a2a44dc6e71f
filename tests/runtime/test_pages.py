"""Pages to people go through the dispatcher like notifications: stored first, retried,
rate-limited, logged, resumed after a restart, and their outcome reported once."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.runtime.dispatch_harness import Harness

from tocsin.channels import DeliveryError, Message, SendResult
from tocsin.config import Rate, RateLimit
from tocsin.model import FakeClock
from tocsin.pipeline import Delivery, NotifyKey, PageTarget
from tocsin.runtime.channels import Endpoint
from tocsin.store import Database, DeliveryQuery, DispatchStore

CONFIG = "route: {receiver: r}\nreceivers: [{name: r, log_configs: [{}]}]\n"


class People:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.failures: list[DeliveryError] = []

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((target, message.receiver, dict(message.extra)))
        return SendResult(status=201)

    def display(self, target: str) -> str:
        return target[:5] + "…"


def page(incident: str, user: str, contact: str, address: str, now: float) -> Delivery:
    target = PageTarget(incident, user, contact, address, f"0:{user}:{contact}", "http://t/ack/x")
    return Delivery(
        NotifyKey(f"incident:{incident}", user, contact, 0),
        f"incident:{incident}",
        {"alertname": "Down"},
        [],
        frozenset(),
        frozenset(),
        now,
        page=target,
    )


def run(db: Database, clock: FakeClock, people: People, body: Any) -> Harness:
    harness = Harness(db, clock, CONFIG)
    outcomes: list[tuple[str, str, str]] = []

    async def main() -> None:
        await harness.start()
        d = harness.dispatcher
        limit = RateLimit(per_target=Rate(count=1, seconds=60.0))
        d.setup.people = {
            "sms": Endpoint(people, "", rate_limit=limit, alertmanager_pace=False),  # type: ignore[arg-type]
            "slack": Endpoint(people, "", alertmanager_pace=False),  # type: ignore[arg-type]
        }

        async def on_page(delivery: Delivery, outcome: str, error: str) -> None:
            assert delivery.page is not None
            outcomes.append((delivery.page.key, outcome, error))

        d.on_page = on_page
        try:
            await body(harness)
        finally:
            await d.store.release_lease(d.holder)

    asyncio.run(main())
    harness.outcomes = outcomes  # type: ignore[attr-defined]
    return harness


def test_a_page_reaches_the_person_and_reports_its_outcome(
    database: Database, clock: FakeClock
) -> None:
    people = People()
    people.failures = [DeliveryError("twilio answered 503", retryable=True, status=503)]

    async def body(h: Harness) -> None:
        await h.dispatcher.page([page("inc1", "alice", "sms", "+14155550101", clock.now())])
        await h.dispatcher.settle()
        await h.advance(10)

    h = run(database, clock, people, body)
    assert people.sent == [("+14155550101", "alice", people.sent[0][2])]
    assert people.sent[0][2]["ack_url"] == "http://t/ack/x"
    assert h.outcomes == [("0:alice:sms", "sent", "")]  # type: ignore[attr-defined]
    rows = list(reversed(DispatchStore(database).delivery_log(DeliveryQuery())))
    assert [(r["receiver"], r["integration"], r["outcome"]) for r in rows] == [
        ("alice", "sms", "retry"),
        ("alice", "sms", "sent"),
    ]
    assert rows[0]["target"] == "+1415…"
    assert rows[0]["group_key"] == "incident:inc1"


def test_a_contact_without_credentials_fails_the_page(database: Database, clock: FakeClock) -> None:
    async def body(h: Harness) -> None:
        await h.dispatcher.page([page("inc1", "bob", "voice", "+14155550102", clock.now())])
        await h.dispatcher.settle()
        await h.advance(5)

    h = run(database, clock, People(), body)
    ((key, outcome, error),) = h.outcomes  # type: ignore[attr-defined]
    assert (key, outcome) == ("0:bob:voice", "failed")
    assert "no voice credentials" in error


def test_pages_to_one_phone_are_rate_limited(database: Database, clock: FakeClock) -> None:
    people = People()

    async def body(h: Harness) -> None:
        now = clock.now()
        await h.dispatcher.page(
            [page(f"inc{i}", "alice", "sms", "+14155550101", now) for i in range(3)]
        )
        await h.dispatcher.settle()
        await h.advance(5)
        assert len(people.sent) == 1
        await h.advance(70)

    h = run(database, clock, people, body)
    assert len(people.sent) == 2
    assert people.sent[1][2]["summary"].notifications == 1
    assert sorted(o for _, o, _ in h.outcomes) == ["sent", "sent", "sent"]  # type: ignore[attr-defined]


def test_a_page_in_the_outbox_is_sent_after_a_restart(database: Database, clock: FakeClock) -> None:
    people = People()
    people.failures = [DeliveryError("503", retryable=True)] * 3

    async def first(h: Harness) -> None:
        await h.dispatcher.page([page("inc1", "alice", "slack", "U012ABCDEF", clock.now())])
        await h.dispatcher.settle()
        await h.advance(0.1)

    run(database, clock, people, first)
    assert people.sent == []
    people.failures = []

    async def second(h: Harness) -> None:
        await h.advance(5)

    h = run(database, clock, people, second)
    assert [s[0] for s in people.sent] == ["U012ABCDEF"]
    assert h.outcomes == [("0:alice:slack", "sent", "")]  # type: ignore[attr-defined]
