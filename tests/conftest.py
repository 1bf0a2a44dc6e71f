"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from tocsin.api import ApiContext, Metrics, create_app
from tocsin.config import load_config_text
from tocsin.model import FakeClock
from tocsin.pipeline import Silencer
from tocsin.runtime import config_view
from tocsin.store import AlertStore, Database, DatabaseOptions, SilenceStore, sqlite_url_for

if TYPE_CHECKING:
    from tests.support.postgres import PostgresCluster

pytest_plugins = ["tests.support.postgres", "tests.support.sink"]  # shared fixtures

MINIMAL_CONFIG = """
route:
  receiver: default
  routes:
    - matchers: ['team="db"']
      receiver: dba
receivers:
  - name: default
    log_configs: [{}]
  - name: dba
    log_configs: [{}]
"""

START = 1_800_000_000.0  # 2027-01-15T08:00:00Z


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.external)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database on each backend: a SQLite file, or a database in the session's
    throwaway PostgreSQL cluster (``external``, so ``make test-fast`` leaves it out).

    A test for one backend selects it with
    ``@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)`` (and adds
    ``@pytest.mark.external`` for ``"postgresql"``).
    """
    if request.param == "sqlite":
        yield sqlite_url_for(tmp_path / "data")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.open(DatabaseOptions(database_url))
    yield db
    db.close()


@pytest.fixture
def store(database: Database, clock: FakeClock) -> AlertStore:
    alert_store = AlertStore(database)
    alert_store.load(clock.now(), 300.0)
    return alert_store


class ApiHarness:
    """An in-process API over a real SQLite store and a fake clock."""

    def __init__(self, ctx: ApiContext, client: TestClient, clock: FakeClock) -> None:
        self.ctx = ctx
        self.client = client
        self.clock = clock

    def post_alerts(self, body: object | bytes) -> tuple[int, object]:
        import orjson

        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        resp = self.client.post(
            "/api/v2/alerts", content=raw, headers={"content-type": "application/json"}
        )
        return resp.status_code, (resp.json() if resp.content else None)

    def alerts(self, **params: str | list[str]) -> list[dict[str, object]]:
        resp = self.client.get("/api/v2/alerts", params=params)
        assert resp.status_code == 200, resp.text
        data: list[dict[str, object]] = resp.json()
        return data


@pytest.fixture
def silence_store(database: Database) -> SilenceStore:
    silences = SilenceStore(database)
    silences.load()
    return silences


@pytest.fixture
def api(
    database: Database, store: AlertStore, silence_store: SilenceStore, clock: FakeClock
) -> Iterator[ApiHarness]:
    config = load_config_text(MINIMAL_CONFIG)

    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=config_view(config),
        reload=reload,
        version="test",
        started_at=clock.now(),
        external_url="http://127.0.0.1:9093",
        store_backend=database.dialect,
        alerts=store,
        silences=silence_store,
        silencer=Silencer(silence_store),
        ready=True,
    )
    with TestClient(create_app(ctx)) as client:
        yield ApiHarness(ctx, client, clock)
