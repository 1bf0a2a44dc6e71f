"""Errors of the store.

StoreError
├── StoreLockedError     another tocsin server holds the SQLite file
└── StoreUnavailable     the database refused a write or could not be opened
"""

from __future__ import annotations

__all__ = ["StoreError", "StoreLockedError", "StoreUnavailable"]


class StoreError(Exception):
    """Base of the store's errors."""


class StoreLockedError(StoreError):
    """Another server uses the same SQLite file."""


class StoreUnavailable(StoreError):
    """The database could not be opened or refused a write."""
