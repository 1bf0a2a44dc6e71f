"""Aggregation groups and their timers, all in one scheduler.

An alert joins one group per route it reaches: the group of that route and of the alert's
group labels. As in Alertmanager, a new group is first flushed ``group_wait`` after it was
made — at once when an alert that joins it before its first flush started longer than
``group_wait`` ago — and then every ``group_interval``. Ticks stay on the grid of the first
flush. Each group remembers only fingerprints; the alerts themselves are read from the
alert store at flush time, so a re-post that moves ``endsAt`` is seen without a copy.

The scheduler is a heap of (due time, sequence, group); an entry whose group was
rescheduled or removed is skipped when it comes up.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from tocsin.model import Alert
from tocsin.pipeline.grouping import group_key, group_labels
from tocsin.pipeline.routing import RouteNode

__all__ = ["AggregationGroup", "GroupTable", "group_id"]


def group_id(route: RouteNode, key: str) -> str:
    """A group's identity: its route's place in the tree and its group key.

    Sibling routes with the same matchers share a group key but are different groups.
    """
    return f"{route.path}|{key}"


@dataclass(slots=True, eq=False)
class AggregationGroup:
    """One aggregation group: a route, its group labels, and the alerts in it."""

    id: str
    route: RouteNode
    key: str
    labels: dict[str, str]
    created_at: float
    next_flush: float
    first_flush_at: float | None = None  # the grid of later ticks
    members: set[str] = field(default_factory=set)
    cutoff: float = -math.inf  # resolved alerts that ended by then were notified and dropped
    busy: int = 0  # deliveries of this group being sent right now
    flush_waiting: bool = False  # a tick came while busy: flush when the sends finish

    @property
    def receiver(self) -> str:
        return self.route.receiver

    @property
    def has_flushed(self) -> bool:
        return self.first_flush_at is not None

    def next_tick_after(self, when: float) -> float:
        """The first tick of this group's grid after ``when``."""
        anchor = self.first_flush_at if self.first_flush_at is not None else when
        interval = self.route.group_interval
        if when < anchor + interval:
            return anchor + interval
        return anchor + (math.floor((when - anchor) / interval) + 1) * interval


class GroupTable:
    """Every aggregation group, indexed by id and by member fingerprint, with the scheduler."""

    def __init__(self, routes: RouteNode) -> None:
        self.routes = routes
        self._groups: dict[str, AggregationGroup] = {}
        # fingerprint -> its group, or a list when an alert is in several (continue routes)
        self._by_fp: dict[str, AggregationGroup | list[AggregationGroup]] = {}
        # (route path, group-label values) -> group: finds a group without building its key
        self._by_values: dict[tuple[str, tuple[object, ...]], AggregationGroup] = {}
        self._heap: list[tuple[float, int, AggregationGroup]] = []
        self._seq = itertools.count()

    # -- reads ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[AggregationGroup]:
        return iter(list(self._groups.values()))

    def get(self, gid: str) -> AggregationGroup | None:
        return self._groups.get(gid)

    def _hold(self, fingerprint: str, group: AggregationGroup) -> None:
        held = self._by_fp.get(fingerprint)
        if held is None:
            self._by_fp[fingerprint] = group
        elif isinstance(held, list):
            held.append(group)
        else:
            self._by_fp[fingerprint] = [held, group]

    def _release(self, fingerprint: str, group: AggregationGroup) -> None:
        held = self._by_fp.get(fingerprint)
        if held is group:
            del self._by_fp[fingerprint]
        elif isinstance(held, list):
            rest = [g for g in held if g is not group]
            if len(rest) == 1:
                self._by_fp[fingerprint] = rest[0]
            elif rest:
                self._by_fp[fingerprint] = rest
            else:
                del self._by_fp[fingerprint]

    @staticmethod
    def _values(route: RouteNode, labels: Mapping[str, str]) -> tuple[object, ...]:
        if route.group_by_all:
            return tuple(sorted(labels.items()))
        return tuple([labels.get(name) for name in route.group_by])

    def next_due(self) -> float | None:
        """When the earliest group is due (``None`` when there is no group)."""
        heap = self._heap
        while heap:
            due, _, group = heap[0]
            if self._groups.get(group.id) is group and group.next_flush == due:
                return due
            heapq.heappop(heap)
        return None

    # -- changes --------------------------------------------------------------------------

    def schedule(self, group: AggregationGroup, when: float) -> None:
        group.next_flush = when
        heapq.heappush(self._heap, (when, next(self._seq), group))

    def add_group(self, group: AggregationGroup) -> None:
        """Take a group made elsewhere (restored from the store) and schedule it."""
        self._groups[group.id] = group
        self._by_values[(group.route.path, self._values(group.route, group.labels))] = group
        for fp in group.members:
            self._hold(fp, group)
        self.schedule(group, group.next_flush)

    def insert(self, alert: Alert, now: float) -> list[AggregationGroup]:
        """Put ``alert`` into the groups of every route it reaches; returns new groups."""
        created: list[AggregationGroup] = []
        fp = alert.fingerprint
        labels = alert.labels
        by_values = self._by_values
        for route in self.routes.match(labels):
            group = by_values.get((route.path, self._values(route, labels)))
            if group is None:
                grouped = group_labels(labels, route.group_by, route.group_by_all)
                key = group_key(route.key, grouped)
                group = AggregationGroup(
                    group_id(route, key), route, key, grouped, now, now + route.group_wait
                )
                self.add_group(group)
                created.append(group)
            if fp not in group.members:
                group.members.add(fp)
                self._hold(fp, group)
            if (
                group.first_flush_at is None
                and alert.starts_at + route.group_wait < now
                and group.next_flush > now
            ):
                self.schedule(group, now)
        return created

    def ensure_member(self, group: AggregationGroup, fingerprint: str) -> None:
        if fingerprint not in group.members:
            group.members.add(fingerprint)
            self._hold(fingerprint, group)

    def ensure(self, alert: Alert, now: float) -> list[AggregationGroup]:
        """``insert`` for an alert that is in no group yet; nothing for one that is."""
        if alert.fingerprint in self._by_fp:
            return []
        return self.insert(alert, now)

    def pop_due(self, now: float) -> list[AggregationGroup]:
        """The groups due at ``now``, each rescheduled for its next tick."""
        due: list[AggregationGroup] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, group = heapq.heappop(heap)
            if self._groups.get(group.id) is not group or group.next_flush != when:
                continue
            if group.first_flush_at is None:
                group.first_flush_at = now
            self.schedule(group, group.next_tick_after(now))
            due.append(group)
        return due

    def drop(self, group: AggregationGroup, fingerprints: Mapping[str, float]) -> None:
        """Remove members (fingerprint → the ``endsAt`` they were flushed with)."""
        for fp in fingerprints:
            if fp in group.members:
                group.members.discard(fp)
                self._release(fp, group)

    def remove_empty(self) -> list[AggregationGroup]:
        """Remove groups without members (Alertmanager's maintenance); returns them."""
        empty = [g for g in self._groups.values() if not g.members and not g.busy]
        for group in empty:
            del self._groups[group.id]
            self._by_values.pop((group.route.path, self._values(group.route, group.labels)), None)
        return empty
