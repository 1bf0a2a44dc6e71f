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
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence

from tocsin.api.metrics import Metrics
from tocsin.config import Config
from tocsin.model import Alert, Clock
from tocsin.pipeline import (
    AggregationGroup,
    Delivery,
    FlushPlan,
    GroupTable,
    InhibitionIndex,
    Integration,
    Muter,
    NotificationLog,
    NotifyKey,
    RateLimiter,
    Silencer,
    group_id,
    group_key,
    group_labels,
    plan_flush,
)
from tocsin.runtime._dispatch_state import (
    DispatchOptions,
    Flush,
    Pending,
    Setup,
    backoff_delays,
    build_setup,
    outbox_row,
)
from tocsin.runtime._sender import Sender
from tocsin.runtime.channels import Endpoint, build_endpoint
from tocsin.runtime.outbox import (
    delivery_from_body,
    group_row,
    nflog_entry,
    nflog_row,
)
from tocsin.store import AlertStore, DispatchStore, StoreError

__all__ = ["DispatchOptions", "Dispatcher", "backoff_delays"]

log = logging.getLogger("tocsin.dispatch")


class Dispatcher(Sender):
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
        self.setup = build_setup(
            config, options.external_url, endpoint_factory, self._render_failed
        )
        self.table = GroupTable(self.setup.routes)
        self.nflog = NotificationLog()
        self.holds_lease = False
        self._held_before = False
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._pending: dict[int, Pending] = {}  # outbox id -> delivery awaiting (re)send
        self._retry_heap: list[tuple[float, int, Pending]] = []
        self._seq = itertools.count()
        self._by_group: dict[str, list[Pending]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Future[None]] = set()  # clients of replaced endpoints
        self._done_queue: list[tuple[int | None, dict[str, object] | None]] = []
        self._attempt_rows: list[dict[str, object]] = []
        self._done_futures: list[asyncio.Future[None]] = []
        self.limiter = RateLimiter()
        self._held: dict[tuple[str, str, int, str], list[Pending]] = {}
        self._release_heap: list[tuple[float, int, tuple[str, str, int, str]]] = []
        self._fallback_open: dict[tuple[NotifyKey, float], list[int]] = {}
        self._semaphore = asyncio.Semaphore(options.concurrency)
        self._next_maintenance = 0.0
        self._group_writes: dict[str, AggregationGroup] = {}
        self.on_sent: Callable[[Delivery], None] | None = None  # tests observe deliveries
        # A page ended: (delivery, "sent" or "failed", error text); the incidents record it.
        self.on_page: Callable[[Delivery, str, str], Awaitable[None]] | None = None
        # Groups flushed (their plans): the incidents open, join and resolve from them.
        self.on_flushed: Callable[[list[FlushPlan]], Awaitable[None]] | None = None

    # -- configuration ----------------------------------------------------------------------

    def reload(self, config: Config) -> None:
        """Apply a new configuration as Alertmanager does: every group is made again from
        the alerts in the groups (a new group whose alerts started longer ago than its
        ``group_wait`` flushes at once, and the notification log keeps that from sending
        anything twice), and the removal of empty groups counts from now."""
        retired = self.setup
        self.setup = build_setup(
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

    async def _close_endpoints(self, setup: Setup, delay: float = 0.0) -> None:
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
        """Become the lease holder: reload state another server may have changed.

        The alerts are read again only by a server that held the lease before and lost
        it; one taking the lease for the first time has them from its start-up (where
        alerts whose end passed while every server was down are kept firing for
        ``resolve_timeout``) and from the replica sync since."""
        if reload and self.store.dialect == "postgresql":
            if self._held_before:
                await asyncio.to_thread(self.alerts.reload, self.clock.now())
            await self.restore()
        rows = await self.store.claim_outbox(self.holder)
        now = self.clock.now()
        for delivery_id, gid, body, _flushed in rows:
            delivery = delivery_from_body(int(delivery_id), str(gid), str(body), self.alerts.get)
            pending = Pending(delivery, None, self._delays(delivery.key), due=now)
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
            self._held_before = True
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
        if self.on_flushed is not None and plans:
            self._spawn(self.on_flushed(plans))
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
            [outbox_row(d, now) for d in deliveries],
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
            tracker = Flush(plan.group, plan.resolved, now, len(plan.deliveries))
            for delivery in plan.deliveries:
                pending = Pending(delivery, tracker, self._delays(delivery.key), due=now)
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

    async def _flush_now(self, group: AggregationGroup) -> None:
        if self.table.get(group.id) is group and self.holds_lease:
            try:
                await self.flush([group], self.clock.now())
            except StoreError:
                self.metrics.store_errors.inc()
                log.exception("storing a flush failed")
