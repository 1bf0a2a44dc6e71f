"""The dispatcher: aggregation groups on a timer, flushes into the outbox, deliveries.

Every server keeps the groups of the alerts it holds (the API lists them); only the
holder of the dispatch lease flushes and sends. A flush is stored — group schedule, outbox
rows, log entries — before anything is sent; a delivery is logged in the notification log
when it succeeded. Retryable failures are tried again with Alertmanager's backoff until
the group's next flush supersedes them; the resolved alerts of a flush leave the group
once all its deliveries succeeded. On start-up (and when the lease is taken over) the
groups are rebuilt from the stored alerts and group schedules, the log is read back, and
the outbox is claimed and sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tocsin.api.metrics import Metrics
from tocsin.channels import DeliveryError, Message, SendResult, Summary
from tocsin.config import Config, Rate, Receiver, SeverityConfig
from tocsin.model import Alert, Clock
from tocsin.pipeline import (
    AggregationGroup,
    Delivery,
    FlushPlan,
    GroupTable,
    InhibitionIndex,
    InhibitionRule,
    Integration,
    Muter,
    NotificationLog,
    NotifyEntry,
    NotifyKey,
    RateLimiter,
    RouteNode,
    Silencer,
    TimeIntervalMuter,
    build_inhibition_rules,
    build_routes,
    group_id,
    group_key,
    group_labels,
    plan_flush,
    receiver_integrations,
)
from tocsin.runtime.channels import Endpoint, build_endpoint, people_endpoints
from tocsin.runtime.outbox import (
    delivery_body,
    delivery_from_body,
    group_row,
    idempotency_key,
    nflog_entry,
    nflog_row,
)
from tocsin.store import AlertStore, DispatchStore, StoreError
from tocsin.templates import Templates

__all__ = ["DispatchOptions", "Dispatcher", "backoff_delays"]

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
class _Flush:
    """The deliveries of one flush still in progress, and what leaves the group after."""

    group: AggregationGroup
    resolved: dict[str, float]
    now: float
    outstanding: int
    failed: bool = False


@dataclass(slots=True, eq=False)
class _Pending:
    delivery: Delivery
    flush: _Flush | None
    delays: Iterator[float]
    due: float = 0.0
    cancelled: bool = False
    attempts: int = 0
    admitted: bool = False  # took its rate-limit token
    carrying: list[_Pending] = field(default_factory=list)  # held back, summarised by it


@dataclass(slots=True)
class _Setup:
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


def _setup(
    config: Config,
    external_url: str,
    factory: Callable[[Integration, str], Endpoint],
    on_render_failure: Callable[[str], None] | None = None,
) -> _Setup:
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
    return _Setup(
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


class Dispatcher:
    """Groups, flushes and deliveries of one server."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock,
        metrics: Metrics,
        store: DispatchStore,
        alerts: AlertStore,
        silencer: Silencer,
        options: DispatchOptions,
        rng: random.Random | None = None,
        endpoint_factory: Callable[[Integration, str], Endpoint] = build_endpoint,
    ) -> None:
        self.clock = clock
        self.metrics = metrics
        self.store = store
        self.alerts = alerts
        self.silencer = silencer
        self.options = options
        self.rng = rng or random.Random()
        self.holder = uuid.uuid4().hex
        self._endpoint_factory = endpoint_factory
        self.setup = _setup(config, options.external_url, endpoint_factory, self._render_failed)
        self.table = GroupTable(self.setup.routes)
        self.nflog = NotificationLog()
        self.holds_lease = False
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._pending: dict[int, _Pending] = {}  # outbox id -> delivery awaiting (re)send
        self._retry_heap: list[tuple[float, int, _Pending]] = []
        self._seq = itertools.count()
        self._by_group: dict[str, list[_Pending]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Future[None]] = set()  # clients of replaced endpoints
        self._done_queue: list[tuple[int | None, dict[str, object] | None]] = []
        self._attempt_rows: list[dict[str, object]] = []
        self._done_futures: list[asyncio.Future[None]] = []
        self.limiter = RateLimiter()
        self._held: dict[tuple[str, str, int, str], list[_Pending]] = {}
        self._release_heap: list[tuple[float, int, tuple[str, str, int, str]]] = []
        self._fallback_open: dict[tuple[NotifyKey, float], list[int]] = {}
        self._semaphore = asyncio.Semaphore(options.concurrency)
        self._next_maintenance = 0.0
        self._group_writes: dict[str, AggregationGroup] = {}
        self.on_sent: Callable[[Delivery], None] | None = None  # tests observe deliveries
        # A page ended: (delivery, "sent" or "failed", error text); the incidents record it.
        self.on_page: Callable[[Delivery, str, str], Awaitable[None]] | None = None

    # -- configuration ----------------------------------------------------------------------

    def reload(self, config: Config) -> None:
        """Apply a new configuration as Alertmanager does: every group is made again from
        the alerts in the groups (a new group whose alerts started longer ago than its
        ``group_wait`` flushes at once, and the notification log keeps that from sending
        anything twice), and the removal of empty groups counts from now."""
        retired = self.setup
        self.setup = _setup(
            config, self.options.external_url, self._endpoint_factory, self._render_failed
        )
        closing = asyncio.ensure_future(self._close_endpoints(retired, delay=30.0))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        old = self.table
        survivors = [fp for g in old for fp in g.members]
        self.table = GroupTable(self.setup.routes)
        now = self.clock.now()
        created: list[AggregationGroup] = []
        for fp in dict.fromkeys(survivors):
            alert = self.alerts.get(fp)
            if alert is not None:
                created += self.table.insert(alert, now)
        self._next_maintenance = now + self.options.maintenance_interval
        for group in old:  # their pending retries are superseded by the new groups' flushes
            for pending in self._by_group.get(group.id, []):
                if pending.flush is not None:
                    pending.flush.failed = True
        gone = [g.id for g in old if self.table.get(g.id) is None]
        if gone:
            self._spawn(self._delete_groups(gone))
        self._queue_group_writes(created)
        self._wake.set()

    async def _close_endpoints(self, setup: _Setup, delay: float = 0.0) -> None:
        """Close the HTTP clients of replaced endpoints, once sends in flight are done."""
        if delay:
            await asyncio.sleep(delay)
        for endpoint in setup.endpoints.values():
            close = getattr(endpoint.channel, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()

    async def _delete_groups(self, ids: list[str]) -> None:
        try:
            await self.store.delete_groups(ids)
        except StoreError:
            self.metrics.store_errors.inc()
            log.exception("forgetting %d groups failed", len(ids))

    # -- intake -----------------------------------------------------------------------------

    def on_alerts(self, changed: Sequence[Alert], refreshed: Sequence[str], now: float) -> None:
        """Alerts were committed: put them in their groups."""
        table = self.table
        created: list[AggregationGroup] = []
        for alert in changed:
            created += table.insert(alert, now)
        for fp in refreshed:
            current = self.alerts.get(fp)
            if current is not None:
                created += table.ensure(current, now)
        if created:
            self._queue_group_writes(created)
        due = table.next_due()
        if due is not None and due <= now:
            self._wake.set()

    def _queue_group_writes(self, groups: Iterable[AggregationGroup]) -> None:
        for group in groups:
            self._group_writes[group.id] = group
        if self._group_writes:
            self._spawn(self._write_groups())

    async def _write_groups(self) -> None:
        pending, self._group_writes = self._group_writes, {}
        if not pending:
            return
        try:
            await self.store.put_groups([group_row(g) for g in pending.values()])
        except StoreError:
            self.metrics.store_errors.inc()
            log.exception("storing %d new groups failed", len(pending))

    # -- start-up and lease -------------------------------------------------------------

    async def restore(self) -> None:
        """Rebuild groups and the notification log from the store."""
        rows = await asyncio.to_thread(self.store.load)
        now = self.clock.now()
        self.nflog = NotificationLog(nflog_entry(r) for r in rows.nflog)
        stored = {row["id"]: row for row in rows.groups}
        table = GroupTable(self.setup.routes)
        last_alive = self.alerts.last_alive
        for alert in self.alerts.all():
            firing = alert.ends_at > now
            for route in table.routes.match(alert.labels):
                labels = group_labels(alert.labels, route.group_by, route.group_by_all)
                key = group_key(route.key, labels)
                gid = group_id(route, key)
                group = table.get(gid)
                row = stored.get(gid)
                cutoff = row["cutoff"] if row is not None and row["cutoff"] is not None else None
                if not firing and (row is None or (cutoff is not None and alert.ends_at <= cutoff)):
                    continue
                if group is None:
                    group = AggregationGroup(gid, route, key, labels, now, now + route.group_wait)
                    if row is not None:
                        group.created_at = float(row["created_at"])
                        group.first_flush_at = row["first_flush_at"]
                        group.cutoff = -math.inf if cutoff is None else float(cutoff)
                    table.add_group(group)
                if row is None:
                    # Killed before the new group was stored: it was made when its first
                    # alert was written.
                    group.created_at = min(group.created_at, alert.updated_at)
                table.ensure_member(group, alert.fingerprint)
        # A group the log says was notified has flushed, even when its stored schedule
        # does not say so (killed between the writes): its ticks are taken from then.
        notified: dict[tuple[str, str], float] = {}
        for log_key, entry in self.nflog:
            where = (log_key.group_key, log_key.receiver)
            if entry.sent_at > notified.get(where, -math.inf):
                notified[where] = entry.sent_at
        for group in table:
            if group.first_flush_at is None:
                sent_at = notified.get((group.key, group.receiver))
                if sent_at is not None and sent_at >= group.created_at:
                    group.first_flush_at = sent_at
            due = self._restored_due(group, now, last_alive)
            if not group.has_flushed:
                wait = group.route.group_wait
                for fp in group.members:
                    member = self.alerts.get(fp)
                    if member is not None and member.starts_at + wait < now:
                        due = min(due, now)
                        break
            table.schedule(group, due)
        self.table = table
        orphans = [gid for gid in stored if table.get(gid) is None]
        if orphans:
            await self.store.delete_groups(orphans)
        fresh = [g for g in table if g.id not in stored]
        self._queue_group_writes(fresh)
        self.metrics.groups.set(len(table))
        log.info("dispatcher restored %d groups and %d log entries", len(table), len(self.nflog))

    @staticmethod
    def _restored_due(group: AggregationGroup, now: float, last_alive: float | None) -> float:
        if group.first_flush_at is None:
            return group.created_at + group.route.group_wait
        # A tick missed while the server was down is flushed at once (the notification log
        # keeps it from repeating anything); otherwise the grid goes on.
        previous = group.next_tick_after(now) - group.route.group_interval
        if last_alive is None or previous > last_alive:
            return now
        return group.next_tick_after(now)

    async def _take_over(self, *, reload: bool) -> None:
        """Become the lease holder: reload state another server may have changed."""
        if reload and self.store.dialect == "postgresql":
            await asyncio.to_thread(self.alerts.reload, self.clock.now())
            await self.restore()
        rows = await self.store.claim_outbox(self.holder)
        now = self.clock.now()
        for delivery_id, gid, body, _flushed in rows:
            delivery = delivery_from_body(int(delivery_id), str(gid), str(body), self.alerts.get)
            pending = _Pending(delivery, None, self._delays(delivery.key), due=now)
            self._enqueue(pending)
            # Sent at the first turn of the loop, unless its group flushes first and
            # supersedes it.
            heapq.heappush(self._retry_heap, (now, next(self._seq), pending))
        if rows:
            log.info("resuming %d notifications from the outbox", len(rows))
        self.metrics.outbox.set(len(self._pending))

    async def lease_once(self, *, first: bool = False) -> bool:
        """Take or renew the lease; take over the work when newly held."""
        try:
            held = await self.store.acquire_lease(self.holder, self.options.lease_ttl)
        except StoreError:
            held = False
            log.exception("renewing the dispatch lease failed")
        if held and not self.holds_lease:
            if not first:
                log.info("took over the dispatch lease")
            await self._take_over(reload=not first)
            self.holds_lease = True
            self._wake.set()
        elif not held and self.holds_lease:
            log.warning("lost the dispatch lease: another server sends notifications")
            self.holds_lease = False
            self._drop_pending()
        self.metrics.lease_held.set(1 if self.holds_lease else 0)
        return self.holds_lease

    async def _lease_loop(self) -> None:
        first = True
        while not self._stopping.is_set():
            await self.lease_once(first=first)
            first = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.options.lease_renew)

    def _drop_pending(self) -> None:
        for pending in self._pending.values():
            pending.cancelled = True
        self._pending.clear()
        self._by_group.clear()
        self._retry_heap.clear()
        self._held.clear()
        self._release_heap.clear()
        self._fallback_open.clear()

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Flush due groups and send due deliveries until ``stop``."""
        lease = asyncio.create_task(self._lease_loop())
        try:
            while not self._stopping.is_set():
                now = self.clock.now()
                if self.holds_lease:
                    await self._tick(now)
                if now >= self._next_maintenance:
                    await self._maintain(now)
                self._wake.clear()
                wait = self.options.max_wait
                if self.holds_lease:
                    for due in (self.table.next_due(), self._next_retry()):
                        if due is not None:
                            wait = min(wait, max(due - self.clock.now(), 0.0))
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
                else:
                    await asyncio.sleep(0)
        finally:
            self._stopping.set()
            await lease
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for closing in list(self._closing):
                closing.cancel()
            await self._close_endpoints(self.setup)
            if self.holds_lease:
                with contextlib.suppress(StoreError):
                    await self.store.release_lease(self.holder)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def step(self, now: float) -> None:
        """One turn of the loop at ``now``, waiting for the sends it starts (for tests)."""
        await self._tick(now)
        await self.settle()

    async def settle(self) -> None:
        """Wait until every send in progress has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _tick(self, now: float) -> None:
        due = self.table.pop_due(now)
        if due:
            # Not awaited: groups that come due while this flush is being stored are
            # flushed at once, and concurrent flushes share the writer's commits.
            self._spawn(self._flush_task(due, now))
        while self._retry_heap and self._retry_heap[0][0] <= now:
            _, _, pending = heapq.heappop(self._retry_heap)
            if not pending.cancelled and pending.due <= now:
                self._spawn(self._attempt(pending))
        while self._release_heap and self._release_heap[0][0] <= now:
            _, _, held_key = heapq.heappop(self._release_heap)
            self._release(held_key, now)

    async def _flush_task(self, groups: Sequence[AggregationGroup], now: float) -> None:
        try:
            await self.flush(groups, now)
        except StoreError:
            self.metrics.store_errors.inc()
            log.exception("storing a flush failed; the groups flush again at their next tick")

    def _next_retry(self) -> float | None:
        heap = self._retry_heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        due = heap[0][0] if heap else None
        if self._release_heap and (due is None or self._release_heap[0][0] < due):
            due = self._release_heap[0][0]
        return due

    async def _maintain(self, now: float) -> None:
        self._next_maintenance = now + self.options.maintenance_interval
        if not self.holds_lease:
            # Groups here only answer the API: resolved alerts leave them without a flush.
            for group in self.table:
                gone = {}
                for fp in group.members:
                    alert = self.alerts.get(fp)
                    if alert is None or alert.ends_at <= now:
                        gone[fp] = 0.0
                self.table.drop(group, gone)
        removed = self.table.remove_empty()
        self.metrics.groups.set(len(self.table))
        if not self.holds_lease:
            return
        try:
            if removed:
                await self.store.delete_groups([g.id for g in removed])
            expired = self.nflog.expired(now)
            if expired:
                await self.store.expire_nflog(now)
        except StoreError:
            self.metrics.store_errors.inc()
            log.exception("dispatcher maintenance failed; will try again")

    # -- flushing -----------------------------------------------------------------------

    def muters(self, now: float) -> list[Muter]:
        """The muters of a flush at ``now``, in Alertmanager's order."""
        out: list[Muter] = []
        rules = self.setup.inhibition
        if rules:
            out.append(InhibitionIndex(rules, self.alerts.firing(now), now))
        if self.setup.time_muter is not None:
            out.append(self.setup.time_muter)
        out.append(self.silencer)
        return out

    async def flush(self, groups: Sequence[AggregationGroup], now: float) -> list[FlushPlan]:
        """Flush ``groups`` at ``now``: store what they decide, then send it."""
        muters = self.muters(now)
        plans: list[FlushPlan] = []
        group_rows: list[dict[str, object]] = []
        superseded: list[int] = []
        failing_since: dict[NotifyKey, float] = {}
        for group in groups:
            if group.busy:
                group.flush_waiting = True
                continue
            alerts: list[Alert] = []
            gone: dict[str, float] = {}
            for fp in group.members:
                alert = self.alerts.get(fp)
                if alert is None:
                    gone[fp] = 0.0
                else:
                    alerts.append(alert)
            if gone:
                self.table.drop(group, gone)
            integrations = self.setup.integrations.get(group.receiver, [])
            plan = plan_flush(group, alerts, integrations, muters, self.nflog, now)
            self.metrics.flushes.inc()
            if plan.muted:
                self.metrics.alerts_muted.inc(plan.muted)
            for pending in self._by_group.pop(group.id, []):
                pending.cancelled = True
                if self._pending.pop(pending.delivery.id or -1, None) is not None:
                    superseded.append(pending.delivery.id or -1)
                if pending.flush is not None:
                    pending.flush.failed = True
                first = pending.delivery.first_failed_at
                if first is not None and pending.delivery.fallback_for is None:
                    failing_since[pending.delivery.key] = first
                for carried in pending.carrying:  # held back again, for the next message
                    if not carried.cancelled:
                        self._hold_again(carried)
                pending.carrying = []
            if group.first_flush_at == now:
                group_rows.append(group_row(group))
            plans.append(plan)
        deliveries = [d for p in plans for d in p.deliveries]
        for delivery in deliveries:
            delivery.first_failed_at = failing_since.get(delivery.key)
        logged = [(k, e) for p in plans for k, e in p.logged]
        if not deliveries and not logged and not group_rows and not superseded:
            for plan in plans:
                self._flush_done(plan.group, plan.resolved, plan.now)
            return plans
        ids = await self.store.store_flush(
            group_rows,
            [_outbox_row(d, now) for d in deliveries],
            [nflog_row(k, e) for k, e in logged],
            superseded,
        )
        for key, entry in logged:
            self.nflog.set(key, entry)
        for delivery, delivery_id in zip(deliveries, ids, strict=True):
            delivery.id = delivery_id
        for plan in plans:
            if not plan.deliveries:
                self._flush_done(plan.group, plan.resolved, plan.now)
                continue
            tracker = _Flush(plan.group, plan.resolved, now, len(plan.deliveries))
            for delivery in plan.deliveries:
                pending = _Pending(delivery, tracker, self._delays(delivery.key), due=now)
                self._enqueue(pending)
                self._spawn(self._attempt(pending))
        self.metrics.outbox.set(len(self._pending))
        return plans

    def _flush_done(self, group: AggregationGroup, resolved: dict[str, float], now: float) -> None:
        """Every delivery of a flush succeeded: its resolved alerts leave the group."""
        if not resolved:
            return
        leaving = {}
        for fp, ends_at in resolved.items():
            alert = self.alerts.get(fp)
            if alert is None or alert.ends_at == ends_at:
                leaving[fp] = ends_at
        self.table.drop(group, leaving)
        group.cutoff = max(group.cutoff, now)
        self._queue_group_writes([group])

    # -- sending ------------------------------------------------------------------------

    def _enqueue(self, pending: _Pending) -> None:
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
        if page is not None:
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
        ids = await self.store.store_flush([], [_outbox_row(d, now) for d in pages], [], [])
        for delivery, delivery_id in zip(pages, ids, strict=True):
            delivery.id = delivery_id
            pending = _Pending(delivery, None, tocsin_backoff_delays(self.rng), due=now)
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

    def _hold(self, pending: _Pending, endpoint: Endpoint, ready_at: float) -> None:
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

    def _hold_again(self, pending: _Pending) -> None:
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

    async def _attempt(self, pending: _Pending) -> None:
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

    async def _send(self, pending: _Pending, endpoint: Endpoint | None) -> SendResult | None:
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
            "severity": _severity(delivery, self.setup.severity),
            "severity_label": self.setup.severity.label,
        }
        carried = [p for p in pending.carrying if not p.cancelled]
        if carried:
            extra["summary"] = Summary(
                notifications=len(carried), alerts=sum(len(p.delivery.alerts) for p in carried)
            )
        if delivery.page is not None and delivery.page.ack_url:
            extra["ack_url"] = delivery.page.ack_url
        message = _message(delivery, extra, state)
        async with self._semaphore:
            return await endpoint.channel.send(endpoint.target, message, idempotency_key(delivery))

    async def _flush_now(self, group: AggregationGroup) -> None:
        if self.table.get(group.id) is group and self.holds_lease:
            try:
                await self.flush([group], self.clock.now())
            except StoreError:
                self.metrics.store_errors.inc()
                log.exception("storing a flush failed")

    def _attempt_row(
        self,
        pending: _Pending,
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
        pending: _Pending,
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

    def _settle(self, pending: _Pending, *, ok: bool) -> None:
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
        pending: _Pending,
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
        self, pending: _Pending, names: list[str], failed_row: dict[str, object]
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
                [], [_outbox_row(d, now) for d in created], [], [delivery.id or -1]
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
            follower = _Pending(item, pending.flush, self._delays(item.key), due=now)
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

    def _forget(self, pending: _Pending) -> None:
        delivery = pending.delivery
        self._pending.pop(delivery.id or -1, None)
        siblings = self._by_group.get(delivery.group_id)
        if siblings is not None:
            siblings[:] = [p for p in siblings if p is not pending]
            if not siblings:
                del self._by_group[delivery.group_id]
        self.metrics.outbox.set(len(self._pending))


def _outbox_row(delivery: Delivery, now: float) -> dict[str, object]:
    return {"group_id": delivery.group_id, "body": delivery_body(delivery), "flushed_at": now}


def _message(delivery: Delivery, extra: dict[str, Any], state: dict[str, Any]) -> Message:
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


def _severity(delivery: Delivery, severity: SeverityConfig) -> str:
    """The highest severity of the alerts that fire (of all of them when none fires)."""
    firing = [a for a in delivery.alerts if a.ends_at > delivery.now] or delivery.alerts
    return min((severity.level_of(a.labels) for a in firing), default="P3")


def key_text(key: NotifyKey | None) -> str:
    """A notification-log key as one line (empty for None)."""
    if key is None:
        return ""
    return f"{key.receiver}/{key.integration}[{key.index}]"
