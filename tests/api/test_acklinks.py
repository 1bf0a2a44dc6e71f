"""Acknowledge links: a GET shows a confirmation and changes nothing; a POST acknowledges
once; tampered, foreign and expired tokens are refused."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tocsin import __version__
from tocsin.api import AckClaim, AckSigner, ApiContext, Metrics, create_app
from tocsin.config import load_config_text
from tocsin.model import FakeClock
from tocsin.runtime import config_view

NOW = 1_800_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def acked() -> list[AckClaim]:
    return []


@pytest.fixture
def client(clock: FakeClock, acked: list[AckClaim]) -> TestClient:
    spent: set[str] = set()

    async def handler(claim: AckClaim) -> tuple[int, str, str]:
        if claim.nonce in spent:
            return 409, "Already used", "This link was used already."
        spent.add(claim.nonce)
        acked.append(claim)
        return 200, "Acknowledged", f"Incident {claim.incident} is acknowledged."

    async def describe(incident: str) -> str:
        return f"#{incident} HighLatency on api"

    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=config_view(load_config_text("route: {receiver: r}\nreceivers: [{name: r}]\n")),
        reload=reload,
        version=__version__,
        started_at=NOW,
        external_url="http://127.0.0.1:9093",
        store_backend="sqlite",
        ready=True,
        extra={
            "ack_signer": AckSigner("s3cret"),
            "ack_handler": handler,
            "describe_incident": describe,
        },
    )
    return TestClient(create_app(ctx))


def test_a_token_round_trips() -> None:
    signer = AckSigner("k")
    token = signer.token("abc123", "alice", NOW + 60, nonce="n1")
    assert signer.verify(token, NOW) == AckClaim("abc123", "alice", NOW + 60, "n1")
    assert isinstance(signer.verify(token, NOW + 60), str)  # expired
    assert isinstance(AckSigner("other").verify(token, NOW), str)  # another secret


def test_a_tampered_token_is_refused() -> None:
    signer = AckSigner("k")
    version, body, mac = signer.token("abc123", "alice", NOW + 60).split(".")
    other = AckSigner("k").token("zzz999", "mallory", NOW + 60).split(".")[1]
    assert isinstance(signer.verify(f"{version}.{other}.{mac}", NOW), str)
    assert isinstance(signer.verify("v1.garbage", NOW), str)
    assert isinstance(signer.verify(f"v2.{body}.{mac}", NOW), str)


def test_get_shows_a_confirmation_and_acknowledges_nothing(
    client: TestClient, acked: list[AckClaim]
) -> None:
    token = AckSigner("s3cret").token("abc123", "alice", NOW + 600)
    page = client.get(f"/ack/{token}")
    assert page.status_code == 200
    assert "HighLatency on api" in page.text
    assert "<form method='post'>" in page.text
    assert "Acknowledge as alice" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert acked == []


def test_post_acknowledges_once(client: TestClient, acked: list[AckClaim]) -> None:
    token = AckSigner("s3cret").token("abc123", "alice", NOW + 600)
    first = client.post(f"/ack/{token}")
    assert first.status_code == 200
    assert "is acknowledged" in first.text
    assert [(c.incident, c.user) for c in acked] == [("abc123", "alice")]
    again = client.post(f"/ack/{token}")
    assert again.status_code == 409
    assert len(acked) == 1


def test_expired_and_foreign_links_are_refused(
    client: TestClient, clock: FakeClock, acked: list[AckClaim]
) -> None:
    expired = AckSigner("s3cret").token("abc123", "alice", NOW + 10)
    clock.set(NOW + 11)
    assert client.post(f"/ack/{expired}").status_code == 400
    assert "expired" in client.get(f"/ack/{expired}").text
    foreign = AckSigner("elsewhere").token("abc123", "alice", NOW + 600)
    assert client.post(f"/ack/{foreign}").status_code == 400
    assert acked == []
