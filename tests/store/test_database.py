"""Opening the database: migrations, the head constant, the single-server lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

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


def test_open_migrates_a_new_file_to_head(tmp_path: Path) -> None:
    db = Database.open(DatabaseOptions(sqlite_url_for(tmp_path)))
    try:
        version = db.read(
            lambda c: c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        )
        mode = db.read(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar())
    finally:
        db.close()
    assert (version, mode) == (HEAD_REVISION, "wal")


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
