"""The silence store: every silence in memory, every change committed before it is seen.

Setting a silence follows Alertmanager (``plan_silence_write``): an update in place, or the
old silence expired and a new one created — both rows in one transaction. Expired silences
are kept for a retention period, then collected.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, select

from tocsin.model import (
    MatchType,
    Silence,
    expire_silence,
    new_matcher,
    plan_silence_write,
)
from tocsin.store._schema import silences as silences_table
from tocsin.store.database import Database

__all__ = ["SilenceNotFound", "SilenceStore"]


class SilenceNotFound(LookupError):
    """No silence has that id."""


def _row(silence: Silence) -> dict[str, Any]:
    return {
        "id": silence.id,
        "matchers": orjson.dumps(
            [[m.name, m.type.value, m.value] for m in silence.matchers]
        ).decode(),
        "starts_at": silence.starts_at,
        "ends_at": silence.ends_at,
        "updated_at": silence.updated_at,
        # Free text as JSON string literals: PostgreSQL's text type refuses NUL characters,
        # which JSON escapes.
        "created_by": orjson.dumps(silence.created_by).decode(),
        "comment": orjson.dumps(silence.comment).decode(),
    }


class SilenceStore:
    """Silences, kept in memory and in the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._silences: dict[str, Silence] = {}
        self.version = 0  # bumped on every change, for caches of silencing decisions

    def load(self) -> int:
        """Read every stored silence (blocking; call from a thread at start-up)."""
        self._silences = self._read_all()
        self.version += 1
        return len(self._silences)

    def read_stored(self) -> dict[str, Silence]:
        """Every stored silence (blocking; call from a thread); see ``apply_stored``."""
        return self._read_all()

    def apply_stored(self, stored: dict[str, Silence]) -> int:
        """Take the silences other servers created or changed; returns how many changed.

        A silence is only ever replaced by a later version of itself; none is dropped here
        (every server forgets expired silences by the same rule).
        """
        changed = 0
        for silence_id, theirs in stored.items():
            mine = self._silences.get(silence_id)
            if mine is None or (theirs.updated_at, theirs.ends_at) > (
                mine.updated_at,
                mine.ends_at,
            ):
                self._silences[silence_id] = theirs
                changed += 1
        if changed:
            self.version += 1
        return changed

    def _read_all(self) -> dict[str, Silence]:
        def run(conn: Connection) -> dict[str, Silence]:
            loaded: dict[str, Silence] = {}
            for row in conn.execute(select(silences_table)):
                matchers = tuple(
                    new_matcher(name, MatchType(op), value)
                    for name, op, value in orjson.loads(row.matchers)
                )
                loaded[row.id] = Silence(
                    row.id,
                    matchers,
                    row.starts_at,
                    row.ends_at,
                    row.updated_at,
                    orjson.loads(row.created_by),
                    orjson.loads(row.comment),
                )
            return loaded

        return self._db.read(run)

    def __len__(self) -> int:
        return len(self._silences)

    def get(self, silence_id: str) -> Silence | None:
        return self._silences.get(silence_id)

    def all(self) -> Iterator[Silence]:
        return iter(list(self._silences.values()))

    async def set(self, posted: Silence, now: float) -> Silence:
        """Create or update a silence (``posted.id`` empty for a new one).

        Raises ``SilenceNotFound`` for an id that does not exist. Returns the silence as
        stored: same id when updated in place, a new id otherwise.
        """
        previous = None
        if posted.id:
            previous = self._silences.get(posted.id)
            if previous is None:
                raise SilenceNotFound(posted.id)
        write = plan_silence_write(previous, posted, now, str(uuid.uuid4()))
        changed = [write.silence] if write.expired is None else [write.expired, write.silence]
        await self._db.write("silences.put", [_row(s) for s in changed])
        for silence in changed:
            self._silences[silence.id] = silence
        self.version += 1
        return write.silence

    async def expire(self, silence_id: str, now: float) -> None:
        """Expire a silence now; expiring an expired one changes nothing."""
        silence = self._silences.get(silence_id)
        if silence is None:
            raise SilenceNotFound(silence_id)
        expired = expire_silence(silence, now)
        if expired is None:
            return
        await self._db.write("silences.put", [_row(expired)])
        self._silences[silence_id] = expired
        self.version += 1

    async def collect(self, now: float, retention: float) -> int:
        """Forget silences expired for longer than ``retention``."""
        doomed = [s.id for s in self._silences.values() if s.ends_at + retention <= now]
        if not doomed:
            return 0
        await self._db.write("silences.delete", doomed)
        for silence_id in doomed:
            self._silences.pop(silence_id, None)
        self.version += 1
        return len(doomed)
