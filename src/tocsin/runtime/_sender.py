"""Sending: the attempts of each delivery and page, retries with backoff and
``Retry-After``, rate limits that hold notifications back and summarise them, fallbacks,
and the record of every attempt (notification log, outbox, delivery log).

:class:`Sender` is the sending half of the dispatcher; :class:`Dispatcher` adds groups,
flushes, the lease and the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from tocsin.api.metrics import Metrics
from tocsin.channels import DeliveryError, SendResult, Summary
from tocsin.config import Rate
from tocsin.model import Clock
from tocsin.pipeline import (
    AggregationGroup,
    Delivery,
    GroupTable,
    NotificationLog,
    NotifyEntry,
    NotifyKey,
    RateLimiter,
)
from tocsin.runtime._dispatch_state import (
    Pending,
    Setup,
    backoff_delays,
    key_text,
    message_for,
    outbox_row,
    severity_of,
    tocsin_backoff_delays,
)
from tocsin.runtime.channels import Endpoint
from tocsin.runtime.outbox import (
    idempotency_key,
    nflog_row,
)
from tocsin.store import DispatchStore, StoreError

__all__ = ["Sender"]

log = logging.getLogger("tocsin.dispatch")


class Sender:
    """Attempts, retries, rate limits, fallbacks and records of deliveries."""

    clock: Clock
    metrics: Metrics
    store: DispatchStore
    setup: Setup
    table: GroupTable
    nflog: NotificationLog
    rng: random.Random
    holds_lease: bool
    limiter: RateLimiter
    on_sent: Callable[[Delivery], None] | None
    on_page: Callable[[Delivery, str, str], Awaitable[None]] | None
    _wake: asyncio.Event
    _pending: dict[int, Pending]
    _retry_heap: list[tuple[float, int, Pending]]
    _seq: Iterator[int]
    _by_group: dict[str, list[Pending]]
    _tasks: set[asyncio.Task[None]]
    _done_queue: list[tuple[int | None, dict[str, object] | None]]
    _attempt_rows: list[dict[str, object]]
    _done_futures: list[asyncio.Future[None]]
    _held: dict[tuple[str, str, int, str], list[Pending]]
    _release_heap: list[tuple[float, int, tuple[str, str, int, str]]]
    _fallback_open: dict[tuple[NotifyKey, float], list[int]]
    _semaphore: asyncio.Semaphore

    async def _flush_now(self, group: AggregationGroup) -> None:
        raise NotImplementedError

    def _flush_done(self, group: AggregationGroup, resolved: dict[str, float], now: float) -> None:
        raise NotImplementedError

    def _enqueue(self, pending: Pending) -> None:
        delivery_id = pending.delivery.id
        assert delivery_id is not None
        self._pending[delivery_id] = pending
        self._by_group.setdefault(pending.delivery.group_id, []).append(pending)

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _endpoint(self, delivery: Delivery) -> Endpoint | None:
        page = delivery.page
        if page is not None and not page.receiver:
            people = self.setup.people.get(page.contact)
            if people is None:
                return None
            display_of = getattr(people.channel, "display", None)
            display = display_of(page.address) if callable(display_of) else page.contact
            return replace(people, target=page.address, display=str(display))
        key = delivery.key
        return self.setup.endpoints.get((key.receiver, key.integration, key.index))

    async def page(self, pages: Sequence[Delivery]) -> None:
        """Send pages to people (escalation's effects): stored in the outbox first, then
        sent with the retries, rate limits and delivery log of every notification."""
        if not pages:
            return
        now = self.clock.now()
        ids = await self.store.store_flush([], [outbox_row(d, now) for d in pages], [], [])
        for delivery, delivery_id in zip(pages, ids, strict=True):
            delivery.id = delivery_id
            pending = Pending(delivery, None, tocsin_backoff_delays(self.rng), due=now)
            self._enqueue(pending)
            self._spawn(self._attempt(pending))
        self.metrics.outbox.set(len(self._pending))

    def _delays(self, key: NotifyKey) -> Iterator[float]:
        endpoint = self.setup.endpoints.get((key.receiver, key.integration, key.index))
        if endpoint is not None and not endpoint.alertmanager_pace:
            return tocsin_backoff_delays(self.rng)
        return backoff_delays(self.rng)

    def _render_failed(self, source: str) -> None:
        self.metrics.template_failures.inc()

    # -- rate limits ----------------------------------------------------------------------

    def _limits(self, endpoint: Endpoint, key: NotifyKey) -> list[tuple[Hashable, Rate]]:
        limit = endpoint.rate_limit
        if limit is None:
            return []
        ident = (key.receiver, key.integration, key.index)
        out: list[tuple[Hashable, Rate]] = []
        if limit.per_integration is not None:
            out.append((ident, limit.per_integration))
        if limit.per_target is not None:
            out.append(((*ident, endpoint.target), limit.per_target))
        return out

    def _hold(self, pending: Pending, endpoint: Endpoint, ready_at: float) -> None:
        """A rate limit holds ``pending`` back until a token comes: then one message goes
        and carries the summary of every notification held for the same target."""
        key = pending.delivery.key
        held_key = (key.receiver, key.integration, key.index, endpoint.target)
        queue = self._held.setdefault(held_key, [])
        queue.append(pending)
        self.metrics.rate_limited.labels(key.integration).inc()
        if len(queue) == 1:
            heapq.heappush(self._release_heap, (ready_at, next(self._seq), held_key))
            self._wake.set()

    def _hold_again(self, pending: Pending) -> None:
        endpoint = self._endpoint(pending.delivery)
        if endpoint is None:
            return
        self._hold(pending, endpoint, self.clock.now())

    def _release(self, held_key: tuple[str, str, int, str], now: float) -> None:
        queue = [p for p in self._held.pop(held_key, []) if not p.cancelled]
        if not queue:
            return
        endpoint = self._endpoint(queue[0].delivery)
        limits = self._limits(endpoint, queue[0].delivery.key) if endpoint is not None else []
        if limits and not self.limiter.take(limits, now):
            self._held[held_key] = queue
            ready = self.limiter.ready_at(limits, now)
            heapq.heappush(self._release_heap, (ready, next(self._seq), held_key))
            return
        carrier = queue[0]
        carrier.admitted = True
        carrier.carrying = queue[1:]
        self._spawn(self._attempt(carrier))

    # -- sending --------------------------------------------------------------------------

    async def _attempt(self, pending: Pending) -> None:
        delivery = pending.delivery
        if pending.cancelled or not self.holds_lease:
            return
        endpoint = self._endpoint(delivery)
        if endpoint is not None and not pending.admitted:
            limits = self._limits(endpoint, delivery.key)
            now = self.clock.now()
            if limits and not self.limiter.take(limits, now):
                self._hold(pending, endpoint, self.limiter.ready_at(limits, now))
                return
            pending.admitted = True
        group = self.table.get(delivery.group_id)
        kind = delivery.key.integration
        if group is not None:
            group.busy += 1
        started = time.monotonic()
        try:
            pending.attempts += 1
            result = await self._send(pending, endpoint)
        except DeliveryError as exc:
            await self._failed(pending, exc, endpoint, time.monotonic() - started)
        except Exception as exc:  # a channel bug must not stop the dispatcher
            log.exception("%s notification for %s failed", kind, delivery.key.receiver)
            error = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
            await self._failed(pending, error, endpoint, time.monotonic() - started)
        else:
            await self._delivered(pending, result, endpoint, time.monotonic() - started)
        finally:
            if group is not None:
                group.busy -= 1
                if group.flush_waiting and not group.busy:
                    group.flush_waiting = False
                    self._spawn(self._flush_now(group))

    async def _send(self, pending: Pending, endpoint: Endpoint | None) -> SendResult | None:
        delivery = pending.delivery
        kind = delivery.key.integration
        if endpoint is None:
            if delivery.page is not None:
                raise DeliveryError(
                    f"tocsin has no {kind} credentials in global to reach people with",
                    retryable=False,
                )
            raise DeliveryError(
                f"receiver {delivery.key.receiver!r} has no {kind} integration "
                f"#{delivery.key.index} any more",
                retryable=False,
            )
        if not endpoint.supported:
            self.metrics.unsupported_flushes.labels(kind).inc()
        previous = self.nflog.get(delivery.key)
        state = previous.extra.get("state", {}) if previous is not None else {}
        extra: dict[str, Any] = {
            "severity": severity_of(delivery, self.setup.severity),
            "severity_label": self.setup.severity.label,
        }
        carried = [p for p in pending.carrying if not p.cancelled]
        if carried:
            extra["summary"] = Summary(
                notifications=len(carried), alerts=sum(len(p.delivery.alerts) for p in carried)
            )
        if delivery.page is not None and delivery.page.ack_url:
            extra["ack_url"] = delivery.page.ack_url
        message = message_for(delivery, extra, state)
        async with self._semaphore:
            return await endpoint.channel.send(endpoint.target, message, idempotency_key(delivery))

    def _attempt_row(
        self,
        pending: Pending,
        endpoint: Endpoint | None,
        outcome: str,
        *,
        latency: float | None = None,
        error: DeliveryError | None = None,
        status: int | None = None,
        carried_by: str = "",
    ) -> dict[str, object]:
        delivery = pending.delivery
        key = delivery.key
        return {
            "at": self.clock.now(),
            "receiver": key.receiver,
            "integration": key.integration,
            "idx": key.index,
            "group_key": key.group_key,
            "target": endpoint.display if endpoint is not None else "",
            "attempt": pending.attempts,
            "outcome": outcome,
            "status": error.status if error is not None else status,
            "latency_ms": None if latency is None else round(latency * 1000.0, 3),
            "error": str(error) if error is not None else "",
            "idempotency_key": idempotency_key(delivery),
            "carried_by": carried_by,
            "fallback_for": key_text(delivery.fallback_for),
            "alerts": len(delivery.alerts),
        }

    async def _delivered(
        self,
        pending: Pending,
        result: SendResult | None,
        endpoint: Endpoint | None,
        latency: float,
    ) -> None:
        delivery = pending.delivery
        now = self.clock.now()
        row = self._attempt_row(
            pending,
            endpoint,
            "sent",
            latency=latency,
            status=result.status if result is not None else None,
        )
        carrier_key = idempotency_key(delivery)
        carried = [p for p in pending.carrying if not p.cancelled]
        pending.carrying = []
        records: list[tuple[int | None, dict[str, object] | None]] = []
        rows = [row]
        logged: list[tuple[NotifyKey, NotifyEntry]] = []
        entry = self._entry_for(delivery, now, result)
        if entry is not None:
            logged.append(entry)
        self._forget(pending)
        records.append((delivery.id, nflog_row(*entry) if entry is not None else None))
        for other in carried:
            other_entry = self._entry_for(other.delivery, now, None)
            if other_entry is not None:
                logged.append(other_entry)
            self._forget(other)
            records.append(
                (other.delivery.id, nflog_row(*other_entry) if other_entry is not None else None)
            )
            rows.append(self._attempt_row(other, endpoint, "summarised", carried_by=carrier_key))
            self.metrics.summarised.labels(other.delivery.key.integration).inc()
        try:
            await self._record(records, rows)
        except StoreError:
            self.metrics.store_errors.inc()
            log.exception("recording a delivered notification failed")
        for key, value in logged:
            self.nflog.set(key, value)
        kind = delivery.key.integration
        self.metrics.notifications.labels(kind, "sent").inc()
        self.metrics.notification_latency.labels(kind).observe(max(now - delivery.now, 0.0))
        if self.on_sent is not None:
            self.on_sent(delivery)
        for done in (pending, *carried):
            await self._page_ended(done.delivery, "sent", "")
            self._settle(done, ok=True)

    def _entry_for(
        self, delivery: Delivery, now: float, result: SendResult | None
    ) -> tuple[NotifyKey, NotifyEntry] | None:
        """The notification-log entry a delivery writes once it got through: its own; a
        fallback's is its primary's, once every fallback of it has ended; none for a page."""
        if delivery.page is not None:
            return None
        primary = delivery.fallback_for
        if primary is not None:
            opened = self._fallback_open.get((primary, delivery.now))
            if opened is not None:
                opened[0] -= 1
                opened[1] += 1
                if opened[0] > 0:
                    return None
                del self._fallback_open[(primary, delivery.now)]
            old = self.nflog.get(primary)
            return primary, delivery.entry(now, dict(old.extra) if old is not None else None)
        old = self.nflog.get(delivery.key)
        extra = dict(old.extra) if old is not None else {}
        if result is not None and result.state:
            extra["state"] = dict(result.state)
        return delivery.key, delivery.entry(now, extra)

    def _settle(self, pending: Pending, *, ok: bool) -> None:
        tracker = pending.flush
        if tracker is None:
            return
        if not ok:
            tracker.failed = True
        tracker.outstanding -= 1
        if tracker.outstanding == 0 and not tracker.failed:
            self._flush_done(tracker.group, tracker.resolved, tracker.now)

    async def _failed(
        self,
        pending: Pending,
        exc: DeliveryError,
        endpoint: Endpoint | None,
        latency: float,
    ) -> None:
        delivery = pending.delivery
        kind = delivery.key.integration
        now = self.clock.now()
        if delivery.first_failed_at is None:
            delivery.first_failed_at = now
        receiver = self.setup.receivers.get(delivery.key.receiver)
        fallbacks = receiver.fallback if receiver is not None else []
        primary = delivery.fallback_for is None and bool(fallbacks)
        deadline = receiver.retry.deadline.seconds if receiver is not None else math.inf
        exhausted = primary and now - delivery.first_failed_at >= deadline
        if exc.retryable and not pending.cancelled and not exhausted:
            delay = next(pending.delays)
            if exc.retry_after is not None:
                delay = max(delay, exc.retry_after)
            pending.due = now + delay
            heapq.heappush(self._retry_heap, (pending.due, next(self._seq), pending))
            self.metrics.notifications.labels(kind, "retried").inc()
            log.warning(
                "%s notification for receiver %s failed (attempt %d), retrying in %.2fs: %s",
                kind,
                delivery.key.receiver,
                pending.attempts,
                delay,
                exc,
            )
            self._queue_rows(
                [self._attempt_row(pending, endpoint, "retry", latency=latency, error=exc)]
            )
            self._wake.set()
            return
        self.metrics.notifications.labels(kind, "failed").inc()
        log.error("%s notification for receiver %s failed: %s", kind, delivery.key.receiver, exc)
        row = self._attempt_row(pending, endpoint, "failed", latency=latency, error=exc)
        carried = [p for p in pending.carrying if not p.cancelled]
        pending.carrying = []
        if primary and not pending.cancelled and await self._fall_back(pending, fallbacks, row):
            for other in carried:
                self._hold_again(other)
            return
        self._forget(pending)
        await self._fallback_ended(delivery)
        await self._page_ended(delivery, "failed", str(exc))
        try:
            await self._record([(delivery.id, None)], [row])
        except StoreError:
            self.metrics.store_errors.inc()
        self._settle(pending, ok=False)
        for other in carried:  # their groups send them again at their next tick
            self._forget(other)
            self._settle(other, ok=False)
            failed = DeliveryError(f"the message carrying it failed: {exc}", retryable=False)
            self._queue_rows([self._attempt_row(other, endpoint, "failed", error=failed)])
            with contextlib.suppress(StoreError):
                await self._record([(other.delivery.id, None)], [])

    async def _page_ended(self, delivery: Delivery, outcome: str, error: str) -> None:
        if delivery.page is None or self.on_page is None:
            return
        try:
            await self.on_page(delivery, outcome, error)
        except Exception:  # recording must not stop the dispatcher
            log.exception("recording a page's outcome failed")

    async def _fallback_ended(self, delivery: Delivery) -> None:
        """A fallback failed for good: when it was the last of its primary's and another
        got through, the primary's entry is written."""
        primary = delivery.fallback_for
        if primary is None:
            return
        opened = self._fallback_open.get((primary, delivery.now))
        if opened is None:
            return
        opened[0] -= 1
        if opened[0] > 0:
            return
        del self._fallback_open[(primary, delivery.now)]
        if opened[1] > 0:
            now = self.clock.now()
            old = self.nflog.get(primary)
            entry = delivery.entry(now, dict(old.extra) if old is not None else None)
            with contextlib.suppress(StoreError):
                await self._record([(None, nflog_row(primary, entry))], [])
            self.nflog.set(primary, entry)

    async def _fall_back(
        self, pending: Pending, names: list[str], failed_row: dict[str, object]
    ) -> bool:
        """Hand the notification to the receiver's fallbacks, once each; the primary is
        recorded as notified when they have ended and one got through."""
        delivery = pending.delivery
        targets = [i for name in names for i in self.setup.integrations.get(name, [])]
        if not targets:
            return False
        now = self.clock.now()
        created = [
            Delivery(
                NotifyKey(delivery.key.group_key, i.receiver, i.kind, i.index),
                delivery.group_id,
                delivery.group_labels,
                delivery.alerts,
                delivery.firing,
                delivery.resolved,
                delivery.now,
                fallback_for=delivery.key,
            )
            for i in targets
        ]
        try:
            ids = await self.store.store_flush(
                [], [outbox_row(d, now) for d in created], [], [delivery.id or -1]
            )
        except StoreError:
            self.metrics.store_errors.inc()
            log.exception("storing the fallback notifications failed")
            return False
        self._forget(pending)
        self._queue_rows([failed_row])
        self.metrics.fallbacks.labels(delivery.key.integration).inc()
        log.warning(
            "receiver %s could not be notified; handing the notification to %s",
            delivery.key.receiver,
            ", ".join(names),
        )
        self._fallback_open[(delivery.key, delivery.now)] = [len(created), 0]
        if pending.flush is not None:
            pending.flush.outstanding += len(created) - 1
        for item, delivery_id in zip(created, ids, strict=True):
            item.id = delivery_id
            follower = Pending(item, pending.flush, self._delays(item.key), due=now)
            self._enqueue(follower)
            self._spawn(self._attempt(follower))
        self.metrics.outbox.set(len(self._pending))
        return True

    def _queue_rows(self, rows: list[dict[str, object]]) -> None:
        """Delivery-log rows written with the next batch (not waited for)."""
        self._attempt_rows.extend(rows)
        if len(self._attempt_rows) == len(rows) and not self._done_queue:
            asyncio.get_running_loop().call_soon(self._write_done)

    async def _record(
        self,
        done: list[tuple[int | None, dict[str, object] | None]],
        rows: list[dict[str, object]],
    ) -> None:
        """Record ended deliveries and attempts; those ending together share one write."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        first = not self._done_queue and not self._attempt_rows and not self._done_futures
        self._done_queue.extend(done)
        self._attempt_rows.extend(rows)
        self._done_futures.append(future)
        if first:
            asyncio.get_running_loop().call_soon(self._write_done)
        await future

    def _write_done(self) -> None:
        queued, self._done_queue = self._done_queue, []
        rows, self._attempt_rows = self._attempt_rows, []
        futures, self._done_futures = self._done_futures, []
        if not queued and not rows:
            for future in futures:
                if not future.done():
                    future.set_result(None)
            return

        async def write() -> None:
            try:
                await self.store.deliveries_done(queued, rows)
            except BaseException as exc:
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
                if not futures and isinstance(exc, StoreError):
                    self.metrics.store_errors.inc()
                    log.error("writing %d delivery-log rows failed: %s", len(rows), exc)
                return
            for future in futures:
                if not future.done():
                    future.set_result(None)

        self._spawn(write())

    def _forget(self, pending: Pending) -> None:
        delivery = pending.delivery
        self._pending.pop(delivery.id or -1, None)
        siblings = self._by_group.get(delivery.group_id)
        if siblings is not None:
            siblings[:] = [p for p in siblings if p is not pending]
            if not siblings:
                del self._by_group[delivery.group_id]
        self.metrics.outbox.set(len(self._pending))
