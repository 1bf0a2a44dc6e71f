"""Opening the database: migrations, the head constant, the single-server lock (SQLite),
replicas sharing one database (PostgreSQL), and clear errors."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.support.ports import free_port

from tocsin.store import (
    Database,
    DatabaseOptions,
    StoreLockedError,
    StoreUnavailable,
    sqlite_url_for,
)
from tocsin.store.database import HEAD_REVISION, head_revision


def test_head_constant_matches_the_migration_scripts() -> None:
    assert head_revision() == HEAD_REVISION


def test_open_migrates_a_new_database_to_head(database: Database) -> None:
    version = database.read(
        lambda c: c.execute(text("SELECT version_num FROM alembic_version")).scalar()
    )
    assert version == HEAD_REVISION


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_runs_in_wal_mode(database: Database) -> None:
    mode = database.read(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar())
    assert mode == "wal"


def test_second_open_of_the_same_file_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    first = Database.open(DatabaseOptions(sqlite_url_for(tmp_path)))
    try:
        with pytest.raises(StoreLockedError, match="another tocsin server"):
            Database.open(DatabaseOptions(sqlite_url_for(tmp_path)))
    finally:
        first.close()
    Database.open(DatabaseOptions(sqlite_url_for(tmp_path))).close()


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(StoreUnavailable, match="not durable"):
        Database.open(DatabaseOptions("sqlite://"))


@pytest.mark.external
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_replicas_starting_together_on_postgresql_share_one_database(database_url: str) -> None:
    # One migrates the new database; the others wait for it and find the schema at head.
    with ThreadPoolExecutor(4) as pool:
        replicas = list(pool.map(lambda _: Database.open(DatabaseOptions(database_url)), range(4)))
    try:
        for i, db in enumerate(replicas):
            asyncio.run(db.write("meta.set", [f"replica{i}", "up"]))
        keys = replicas[0].read(
            lambda c: c.execute(text("SELECT key FROM meta ORDER BY key")).scalars().all()
        )
    finally:
        for db in replicas:
            db.close()
    assert keys == [f"replica{i}" for i in range(4)]


@pytest.mark.external
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_scheme_is_postgresql(database_url: str) -> None:
    db = Database.open(DatabaseOptions(database_url.replace("postgresql://", "postgres://", 1)))
    try:
        assert db.dialect == "postgresql"
    finally:
        db.close()


def test_unreachable_database_is_one_line_without_the_password() -> None:
    url = f"postgresql://tocsin:s3cret@127.0.0.1:{free_port()}/tocsin"
    with pytest.raises(StoreUnavailable) as err:
        Database.open(DatabaseOptions(url))
    message = str(err.value)
    assert message.startswith("cannot open the database: connection failed:")
    assert "Connection refused" in message
    assert "s3cret" not in message
    assert "\n" not in message
    assert message.endswith(f"(postgresql://tocsin:***@{url.split('@')[1]})")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("mysql://root:s3cret@127.0.0.1/tocsin", "mysql is not supported; expected sqlite:///"),
        ("not a url s3cret", "the URL is not valid; expected sqlite:///"),
    ],
)
def test_other_urls_are_refused_with_the_forms_tocsin_accepts(url: str, error: str) -> None:
    with pytest.raises(StoreUnavailable, match=error) as err:
        Database.open(DatabaseOptions(url))
    assert "s3cret" not in str(err.value)


def test_a_database_migrated_by_a_newer_tocsin_is_refused(database_url: str) -> None:
    db = Database.open(DatabaseOptions(database_url))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.close()
    with pytest.raises(StoreUnavailable, match="revision 9999, which this version of tocsin"):
        Database.open(DatabaseOptions(database_url))
    with db.engine.begin() as conn:  # the refusal released everything: it can be repaired
        conn.execute(text(f"UPDATE alembic_version SET version_num = '{HEAD_REVISION}'"))
    Database.open(DatabaseOptions(database_url)).close()
