"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.external)])
def backend_args(request: pytest.FixtureRequest) -> list[str]:
    """No flag (SQLite in the data directory), or ``--database-url`` of a new PostgreSQL
    database in the session's throwaway cluster."""
    if request.param == "sqlite":
        return []
    cluster = request.getfixturevalue("postgres_cluster")
    return ["--database-url", cluster.create_database()]
