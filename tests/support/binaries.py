"""Locating external programs that some tests need."""

from __future__ import annotations

import shutil

import pytest

__all__ = ["require_binary"]


def require_binary(name: str) -> str:
    """The full path of the program ``name``; fails the calling test when it is absent.

    ``make test`` installs every program the tests need, so absence is a broken set-up to
    report, never a reason to skip: a skip would hide a missing install step.
    """
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `make test` installs it (see the Makefile)")
    return path
