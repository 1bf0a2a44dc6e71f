"""The alert store: every current alert in memory, every accepted change committed.

``put`` merges posted alerts into the stored ones as Alertmanager does, and appends the
changed ones to the ``alerts`` version log before it returns. A re-post that only pushes
``endsAt`` later (same labels, annotations, start and source, still firing) is applied in
memory and queued; ``flush_refreshes`` appends the queued alerts in one batch, and the
runtime calls it at least every 30 s. Versions superseded by newer ones are deleted in the
background by ``compact``.
"""

from __future__ import annotations

import asyncio
import math
import operator
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy import Connection, select

from tocsin.model import Alert, merge_alert
from tocsin.store._alert_ops import ALERT_COLUMNS
from tocsin.store._schema import alerts as alerts_table
from tocsin.store.database import Database

__all__ = ["AlertStore", "PutResult"]

_LAST_ALIVE = "last_alive"
_COMPACT_CHUNK = 2000
_LOAD_CHUNK = 10_000


class PutResult:
    """What a ``put`` did: the alerts written, and the fingerprints only refreshed."""

    __slots__ = ("changed", "refreshed_fingerprints")

    def __init__(self, changed: list[Alert], refreshed: list[str]) -> None:
        self.changed = changed
        self.refreshed_fingerprints = refreshed

    @property
    def written(self) -> int:
        return len(self.changed)

    @property
    def refreshed(self) -> int:
        return len(self.refreshed_fingerprints)


_columns_of = operator.attrgetter(*ALERT_COLUMNS)  # Alert attributes are named as columns


def _flat_rows(alerts: Sequence[Alert]) -> list[object]:
    """The column values of the alerts, row after row, in ``ALERT_COLUMNS`` order.

    Labels and annotations stay dictionaries: the writer process turns them into JSON
    text, off the event loop.
    """
    out: list[object] = []
    extend = out.extend
    for alert in alerts:
        extend(_columns_of(alert))
    return out


class AlertStore:
    """Current alerts, kept in memory and in the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._alerts: dict[str, Alert] = {}
        self._versions: dict[str, int] = {}  # fingerprint -> newest stored version
        self._superseded: list[int] = []  # stored versions no longer anybody's newest
        # fingerprint -> the endsAt stored for it, when a later one is not stored yet
        self._refresh: dict[str, float] = {}
        self.last_alive: float | None = None  # the last sign of life before this start
        self._newest = 0  # the highest version known here
        # (monotonic time, newest version known then): where the next sync starts reading
        self._sync_marks: list[tuple[float, int]] = []

    def reload(self, now: float) -> int:
        """Read the stored alerts again (another server wrote them); blocking."""
        self._refresh.clear()
        return self.load(now, 0.0)

    # -- start-up -------------------------------------------------------------------------

    def load(self, ready_at: float, resolve_timeout: float) -> int:
        """Read every stored alert (blocking; call from a thread at start-up).

        Alerts that were firing when the server last lived and whose end passed while it was
        down stay firing until ``ready_at + resolve_timeout`` (DESIGN.md invariant 3).
        """
        last_alive_text = self._db.get_meta(_LAST_ALIVE)
        last_alive = float(last_alive_text) if last_alive_text else None
        loaded: dict[str, Alert] = {}
        versions: dict[str, int] = {}
        superseded: list[int] = []

        def run(conn: Connection) -> None:
            # In chunks: on PostgreSQL a server-side cursor, not the whole table in memory.
            rows = conn.execution_options(yield_per=_LOAD_CHUNK).execute(
                select(alerts_table).order_by(alerts_table.c.version)
            )
            loads = orjson.loads
            for version, fp, labels, annots, url, starts, ends, updated, timeout in rows:
                previous = versions.get(fp)
                if previous is not None:
                    superseded.append(previous)
                versions[fp] = version
                loaded[fp] = Alert(
                    fp, loads(labels), loads(annots), starts, ends, updated, url, bool(timeout)
                )

        self._db.read(run)
        if last_alive is None and loaded:
            # Killed before the first housekeeping tick: the last post is the last sign of life.
            last_alive = max(a.updated_at for a in loaded.values())
        extended_until = ready_at + resolve_timeout
        for fp, alert in loaded.items():
            was_firing = last_alive is None or alert.ends_at > last_alive
            if was_firing and alert.ends_at <= ready_at:
                loaded[fp] = replace(alert, ends_at=extended_until)
                self._refresh[fp] = alert.ends_at
        self.last_alive = last_alive
        self._newest = max(versions.values(), default=0)
        self._sync_marks = [(-math.inf, self._newest)]
        self._alerts = loaded
        self._versions = versions
        self._superseded = superseded
        return len(loaded)

    def read_newer(self, at: float, settle: float = 5.0) -> list[Any]:
        """Read the versions stored since the last syncs (blocking; call from a thread);
        ``apply_newer`` takes them in, on the event loop. ``at`` is a monotonic time.

        Version numbers are taken when a row is inserted but become visible when its
        transaction commits, so a reader may see version 12 before 11. Each read therefore
        starts from the newest version known ``settle`` seconds earlier, and ``apply_newer``
        skips versions already known.
        """
        marks = self._sync_marks
        settled = [i for i, (when, _) in enumerate(marks) if when <= at - settle]
        if settled:
            del marks[: settled[-1]]  # keep the newest settled mark: reading starts there
        since = marks[0][1] if marks else 0
        rows: list[Any] = []

        def run(conn: Connection) -> None:
            query = select(alerts_table).where(alerts_table.c.version > since)
            rows.extend(conn.execute(query.order_by(alerts_table.c.version)))

        self._db.read(run)
        return rows

    def apply_newer(self, rows: list[Any], at: float) -> list[Alert]:
        """Take in versions other servers wrote; returns the alerts that changed."""
        changed: dict[str, Alert] = {}
        loads = orjson.loads
        for version, fp, labels, annots, url, starts, ends, updated, timeout in rows:
            known = self._versions.get(fp)
            if known is not None and version <= known:
                continue
            if known is not None:
                self._superseded.append(known)
            self._versions[fp] = version
            alert = Alert(
                fp, loads(labels), loads(annots), starts, ends, updated, url, bool(timeout)
            )
            self._alerts[fp] = alert
            changed[fp] = alert
            self._newest = max(self._newest, version)
        self._sync_marks.append((at, self._newest))
        return list(changed.values())

    # -- reads ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._alerts)

    def get(self, fingerprint: str) -> Alert | None:
        return self._alerts.get(fingerprint)

    def all(self) -> Iterator[Alert]:
        return iter(list(self._alerts.values()))

    def firing(self, now: float) -> Iterator[Alert]:
        """Alerts not resolved at ``now``."""
        return (a for a in list(self._alerts.values()) if a.ends_at > now)

    # -- writes ---------------------------------------------------------------------------

    async def put(self, posted: Sequence[Alert], now: float) -> PutResult:
        """Merge posted alerts; commits every change except pure ``endsAt`` refreshes."""
        current = self._alerts
        changed: dict[str, Alert] = {}
        previous: dict[str, Alert | None] = {}
        refreshed: list[str] = []
        for alert in posted:
            fp = alert.fingerprint
            old = changed.get(fp) or current.get(fp)
            new = merge_alert(old, alert, now)
            if (
                old is not None
                and fp not in changed
                and new.ends_at > now
                and new.ends_at >= old.ends_at
                and new.same_content(old)
            ):
                current[fp] = new
                self._refresh.setdefault(fp, old.ends_at)
                refreshed.append(fp)
                continue
            if fp not in previous:
                previous[fp] = current.get(fp)
            changed[fp] = new
        if not changed:
            return PutResult([], refreshed)
        # Visible at once (the order of concurrent posts is the order of commits); undone
        # if the commit fails.
        written = list(changed.values())
        for fp, alert in changed.items():
            current[fp] = alert
        try:
            await self._append(written)
        except BaseException:
            for fp, old_alert in previous.items():
                if current.get(fp) is changed[fp]:
                    if old_alert is None:
                        current.pop(fp, None)
                    else:
                        current[fp] = old_alert
            raise
        return PutResult(written, refreshed)

    async def _append(self, alerts: list[Alert]) -> None:
        stored: list[list[Any]] = await self._db.write("alerts.append", _flat_rows(alerts))
        versions = self._versions
        superseded = self._superseded
        # Key the version map with the alerts' own fingerprint strings, not the copies in
        # the writer's reply: one string per alert, not two.
        own = {a.fingerprint: a.fingerprint for a in alerts}
        for reply_fp, version in stored:
            fp = own.get(reply_fp, reply_fp)
            newest = versions.get(fp)
            self._newest = max(self._newest, version)
            if newest is None or version > newest:
                if newest is not None:
                    superseded.append(newest)
                versions[fp] = version
            else:  # a concurrent put stored a newer version first
                superseded.append(version)
            self._refresh.pop(fp, None)

    async def flush_refreshes(self, now: float, horizon: float | None = None) -> int:
        """Store queued ``endsAt`` refreshes in one batch, and note that we are alive.

        With ``horizon``, only the alerts whose stored end comes within ``horizon`` seconds
        are written: a stored end still after the next sign of life already keeps the
        alert firing across a crash (see ``load``), so an alert re-posted every few seconds
        costs a write only every few minutes. Without it, every queued refresh is written
        (at shutdown).
        """
        if horizon is None:
            pending, self._refresh = self._refresh, {}
        else:
            limit = now + horizon
            pending = {fp: ends for fp, ends in self._refresh.items() if ends <= limit}
            for fp in pending:
                del self._refresh[fp]
        alerts = [a for fp in pending if (a := self._alerts.get(fp)) is not None]
        try:
            await asyncio.gather(
                self._append(alerts),
                self._db.write("meta.set", [_LAST_ALIVE, repr(now)]),
            )
        except BaseException:
            for fp, ends in pending.items():
                self._refresh.setdefault(fp, ends)
            raise
        return len(alerts)

    async def compact(self, limit: int = 20 * _COMPACT_CHUNK) -> int:
        """Delete up to ``limit`` superseded versions, a bounded chunk per write."""
        done = 0
        while self._superseded and done < limit:
            chunk = self._superseded[:_COMPACT_CHUNK]
            await self._db.write("alerts.delete_versions", chunk)
            del self._superseded[: len(chunk)]
            done += len(chunk)
        return done

    async def collect(self, now: float, retention: float) -> int:
        """Forget alerts resolved for longer than ``retention``."""
        cutoff = now - retention
        doomed = [fp for fp, a in self._alerts.items() if a.ends_at <= cutoff]
        if not doomed:
            return 0
        await self._db.write("alerts.forget", doomed)
        for fp in doomed:
            alert = self._alerts.get(fp)
            if alert is not None and alert.ends_at <= cutoff:
                del self._alerts[fp]
                self._versions.pop(fp, None)
                self._refresh.pop(fp, None)
        return len(doomed)

    def superseded_versions(self) -> int:
        return len(self._superseded)
