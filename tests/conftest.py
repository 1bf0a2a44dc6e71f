"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tocsin.api import ApiContext, Metrics, create_app
from tocsin.config import load_config_text
from tocsin.model import FakeClock
from tocsin.runtime import config_view
from tocsin.store import AlertStore, Database, DatabaseOptions, sqlite_url_for

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


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database.open(DatabaseOptions(sqlite_url_for(tmp_path / "data")))
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
def api(store: AlertStore, clock: FakeClock) -> Iterator[ApiHarness]:
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
        store_backend="sqlite",
        alerts=store,
        ready=True,
    )
    with TestClient(create_app(ctx)) as client:
        yield ApiHarness(ctx, client, clock)
