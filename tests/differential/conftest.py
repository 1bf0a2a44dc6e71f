"""Fixtures for differential tests against the real Alertmanager 0.25."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.alertmanager import (
    WEBHOOK_CONFIG,
    AlertmanagerProcess,
    running_alertmanager,
)


@pytest.fixture(scope="module")
def alertmanager() -> Iterator[AlertmanagerProcess]:
    """A real Alertmanager, one per test module, notifying a closed local port."""
    with running_alertmanager(WEBHOOK_CONFIG) as am:
        yield am
