"""Persistence: one SQL implementation for SQLite and PostgreSQL, behind a narrow interface."""

from tocsin.store.alerts import AlertStore, PutResult
from tocsin.store.database import Database, DatabaseOptions, sqlite_url_for
from tocsin.store.dispatch import DeliveryQuery, DispatchRows, DispatchStore
from tocsin.store.errors import StoreError, StoreLockedError, StoreUnavailable
from tocsin.store.incidents import IncidentStore
from tocsin.store.silences import SilenceNotFound, SilenceStore

__all__ = [
    "AlertStore",
    "Database",
    "DatabaseOptions",
    "DeliveryQuery",
    "DispatchRows",
    "DispatchStore",
    "IncidentStore",
    "PutResult",
    "SilenceNotFound",
    "SilenceStore",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailable",
    "sqlite_url_for",
]
