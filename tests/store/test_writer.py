"""The writer process: group commit, failure isolation, and surviving its own death."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import Any

import pytest
from sqlalchemy import Connection, text
from tests.support.ports import free_port

import tocsin.store._alert_ops  # noqa: F401  (registers the operations)
from tocsin.store import Database, StoreUnavailable
from tocsin.store._ops import OPERATIONS
from tocsin.store._writer import Writer
from tocsin.store._writer_process import run_batch
from tocsin.store.database import create_store_engine


def _count(db: Database) -> int:
    return int(db.read(lambda c: c.execute(text("SELECT count(*) FROM meta")).scalar_one()))


def test_concurrent_writes_are_committed(database: Database) -> None:
    async def many() -> None:
        await asyncio.gather(*(database.write("meta.set", [f"k{i}", str(i)]) for i in range(200)))

    asyncio.run(many())
    assert _count(database) == 200


def test_a_failing_write_fails_alone_in_its_batch(database: Database) -> None:
    engine = create_store_engine(database.engine.url)

    def boom(_conn: Connection, _args: Any) -> None:
        raise ValueError("bad request")

    OPERATIONS["test.boom"] = boom
    try:
        with engine.connect() as conn:
            results = run_batch(
                conn,
                [(1, "meta.set", ["a", "1"]), (2, "test.boom", None), (3, "meta.set", ["b", "2"])],
            )
            rows = conn.execute(text("SELECT key FROM meta ORDER BY key")).scalars().all()
    finally:
        del OPERATIONS["test.boom"]
        engine.dispose()
    assert [(r[0], r[1]) for r in results] == [(1, True), (2, False), (3, True)]
    assert "bad request" in results[1][2]
    assert rows == ["a", "b"]


def test_a_failed_operation_raises_store_unavailable(database: Database) -> None:
    with pytest.raises(StoreUnavailable, match="database write failed"):
        asyncio.run(database.write("meta.set", ["only-one-element"]))
    asyncio.run(database.write("meta.set", ["ok", "1"]))  # the writer lives on
    assert _count(database) == 1


def test_a_dead_writer_fails_writes_in_flight_and_is_replaced(database: Database) -> None:
    asyncio.run(database.write("meta.set", ["before", "1"]))
    old_pid = database.writer.pid
    os.kill(old_pid, signal.SIGKILL)

    async def after_death() -> None:
        # The death is noticed either by this write or just before it.
        with contextlib.suppress(StoreUnavailable):
            await database.write("meta.set", ["lost?", "1"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                await database.write("meta.set", ["after", "1"])
            except StoreUnavailable:
                await asyncio.sleep(0.05)
            else:
                return
        raise AssertionError("no new writer process")

    asyncio.run(after_death())
    assert database.writer.pid != old_pid
    keys = database.read(lambda c: c.execute(text("SELECT key FROM meta")).scalars().all())
    assert {"before", "after"} <= set(keys)


@pytest.mark.external
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_lost_connection_fails_its_batch_and_the_next_write_reconnects(
    database: Database,
) -> None:
    asyncio.run(database.write("meta.set", ["before", "1"]))
    pid = database.writer.pid
    terminated = database.read(
        lambda c: (
            c.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'tocsin writer' AND datname = current_database()"
                )
            )
            .scalars()
            .all()
        )
    )
    assert terminated == [True]
    with pytest.raises(StoreUnavailable, match="connection was lost"):
        asyncio.run(database.write("meta.set", ["lost", "1"]))
    asyncio.run(database.write("meta.set", ["after", "1"]))
    assert database.writer.pid == pid  # the same process, connected again
    keys = database.read(lambda c: c.execute(text("SELECT key FROM meta")).scalars().all())
    assert set(keys) == {"before", "after"}


def test_the_writer_lives_on_while_the_database_cannot_be_reached() -> None:
    url = f"postgresql+psycopg://tocsin:s3cret@127.0.0.1:{free_port()}/tocsin"
    writer = Writer(url, "NORMAL")
    pid = writer.pid
    try:
        for _ in range(2):
            with pytest.raises(StoreUnavailable, match="cannot connect to the database") as err:
                asyncio.run(writer.submit("meta.set", ["k", "v"]))
            assert "s3cret" not in str(err.value)
            assert "\n" not in str(err.value)
        assert writer.pid == pid  # not replaced: it answered, it did not die
    finally:
        writer.close()


def test_every_commit_reports_how_many_writes_it_carried(database: Database) -> None:
    sizes: list[int] = []
    database.writer.on_batch = sizes.append

    async def many() -> None:
        await asyncio.gather(*(database.write("meta.set", [f"k{i}", str(i)]) for i in range(100)))

    asyncio.run(many())
    assert sum(sizes) == 100
    assert max(sizes) > 1  # concurrent writes share commits
