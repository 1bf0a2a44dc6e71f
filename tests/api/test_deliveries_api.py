"""``GET /api/tocsin/v1/deliveries`` over a real store: filters, paging, bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.testclient import TestClient

from tocsin import __version__
from tocsin.api import ApiContext, Metrics, create_app
from tocsin.config import load_config_text
from tocsin.model import FakeClock
from tocsin.runtime import config_view
from tocsin.store import Database, DispatchStore

CONFIG = "route: {receiver: r}\nreceivers: [{name: r}]\n"


def row(i: int, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "at": 1_700_000_000.0 + i,
        "receiver": "slack-ops",
        "integration": "slack",
        "idx": 0,
        "group_key": '{}:{alertname="A"}',
        "target": "#ops",
        "attempt": 1,
        "outcome": "sent",
        "status": 200,
        "latency_ms": 12.5,
        "error": "",
        "idempotency_key": f"key{i}",
        "carried_by": "",
        "fallback_for": "",
        "alerts": 1,
    }
    base.update(over)
    return base


@pytest.fixture
def client(database: Database) -> TestClient:
    store = DispatchStore(database)
    rows = [row(i) for i in range(5)]
    rows += [
        row(5, outcome="retry", status=503, error="slack answered 503", attempt=1),
        row(6, outcome="failed", status=404, error="channel_not_found", receiver="email"),
        row(7, outcome="summarised", carried_by="key4", idempotency_key="key7"),
        row(8, receiver="email", integration="email", fallback_for="slack-ops/slack[0]"),
    ]
    asyncio.run(store.deliveries_done([], rows))
    clock = FakeClock(1_700_000_100.0)

    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=config_view(load_config_text(CONFIG)),
        reload=reload,
        version=__version__,
        started_at=clock.now(),
        external_url="http://127.0.0.1:9093",
        store_backend="sqlite",
        ready=True,
        delivery_log=store.delivery_log,
    )
    return TestClient(create_app(ctx))


def get(client: TestClient, **params: Any) -> dict[str, Any]:
    answer = client.get("/api/tocsin/v1/deliveries", params=params)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_newest_first_with_every_field(client: TestClient) -> None:
    data = get(client)
    assert [d["idempotency_key"] for d in data["deliveries"]][:3] == ["key8", "key7", "key6"]
    assert data["next"] is None
    first = data["deliveries"][-1]
    assert first == {
        "id": first["id"],
        "at": "2023-11-14T22:13:20.000Z",
        "receiver": "slack-ops",
        "integration": "slack",
        "index": 0,
        "group_key": '{}:{alertname="A"}',
        "target": "#ops",
        "attempt": 1,
        "outcome": "sent",
        "status_code": 200,
        "latency_ms": 12.5,
        "error": "",
        "idempotency_key": "key0",
        "carried_by": None,
        "fallback_for": None,
        "alerts": 1,
    }


def test_filters(client: TestClient) -> None:
    keys = lambda data: [d["idempotency_key"] for d in data["deliveries"]]  # noqa: E731
    assert keys(get(client, receiver="email")) == ["key8", "key6"]
    assert keys(get(client, integration="email")) == ["key8"]
    assert keys(get(client, outcome="failed,retry")) == ["key6", "key5"]
    assert keys(get(client, idempotency_key="key4")) == ["key7", "key4"]  # and what it carried
    assert keys(get(client, since="2023-11-14T22:13:27Z")) == ["key8", "key7"]
    assert keys(get(client, until="2023-11-14T22:13:21Z")) == ["key0"]


def test_paging(client: TestClient) -> None:
    page = get(client, limit=4)
    assert len(page["deliveries"]) == 4
    rest = get(client, limit=100, before=page["next"])
    seen = [d["id"] for d in page["deliveries"] + rest["deliveries"]]
    assert len(seen) == len(set(seen)) == 9


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"outcome": "lost"}, "unknown outcome 'lost'"),
        ({"since": "yesterday"}, "since: 'yesterday' is not an RFC 3339 time"),
        ({"limit": "0"}, "limit: must be between 1 and 1000"),
        ({"limit": "many"}, "limit: 'many' is not a whole number"),
        ({"before": "x"}, "before: 'x' is not a whole number"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    answer = client.get("/api/tocsin/v1/deliveries", params=params)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message)
