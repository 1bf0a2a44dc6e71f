"""Servers sharing a database take in what the others stored: alert versions and silences."""

from __future__ import annotations

import asyncio

from tocsin.model import Alert, FakeClock, Silence, fingerprint, new_matcher
from tocsin.model.matchers import MatchType
from tocsin.store import AlertStore, Database, SilenceStore


def _alert(clock: FakeClock, name: str, summary: str = "s") -> Alert:
    labels = {"alertname": name}
    now = clock.now()
    return Alert(fingerprint(labels), labels, {"summary": summary}, now, now + 300, now)


def test_versions_written_elsewhere_are_taken_in_once(database: Database, clock: FakeClock) -> None:
    here, there = AlertStore(database), AlertStore(database)
    here.load(clock.now(), 300)
    there.load(clock.now(), 300)

    async def main() -> None:
        await there.put([_alert(clock, "A"), _alert(clock, "B")], clock.now())
        await here.put([_alert(clock, "C")], clock.now())
        changed = here.apply_newer(here.read_newer(0.0), 0.0)
        assert sorted(a.labels["alertname"] for a in changed) == ["A", "B"]
        assert here.get(fingerprint({"alertname": "A"})) is not None
        # Read again within the settle window: the same versions are skipped.
        assert here.apply_newer(here.read_newer(1.0), 1.0) == []
        await there.put([_alert(clock, "A", summary="changed")], clock.now())
        (again,) = here.apply_newer(here.read_newer(10.0), 10.0)
        assert again.annotations == {"summary": "changed"}

    asyncio.run(main())


def test_silences_made_elsewhere_are_taken_in(database: Database, clock: FakeClock) -> None:
    here, there = SilenceStore(database), SilenceStore(database)
    here.load()
    there.load()

    async def main() -> None:
        now = clock.now()
        posted = Silence(
            "", (new_matcher("a", MatchType.EQUAL, "b"),), now, now + 60, now, "me", "c"
        )
        made = await there.set(posted, now)
        version = here.version
        assert here.apply_stored(here.read_stored()) == 1
        assert here.get(made.id) is not None
        assert here.version == version + 1
        clock.advance(1)
        await there.expire(made.id, clock.now())
        assert here.apply_stored(here.read_stored()) == 1
        stored = here.get(made.id)
        assert stored is not None
        assert stored.ends_at == clock.now()
        assert here.apply_stored(here.read_stored()) == 0

    asyncio.run(main())
