"""Locating external programs that some tests need."""

from __future__ import annotations

import shutil

import pytest

__all__ = ["require_binary"]


def require_binary(name: str) -> str:
    """The full path of the program ``name``; skips the calling test when it is absent.

    Only absence skips: a binary that is present but broken makes the test fail later.
    """
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path
