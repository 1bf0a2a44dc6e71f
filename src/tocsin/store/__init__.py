"""Persistence: one SQL implementation for SQLite and PostgreSQL, behind a narrow interface."""

from tocsin.store.alerts import AlertStore, PutResult
from tocsin.store.database import Database, DatabaseOptions, sqlite_url_for
from tocsin.store.errors import StoreError, StoreLockedError, StoreUnavailable

__all__ = [
    "AlertStore",
    "Database",
    "DatabaseOptions",
    "PutResult",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailable",
    "sqlite_url_for",
]
