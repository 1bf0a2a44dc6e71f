"""kill -9 right after a 200 on a silence: after a restart it is there, whole."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.support.tocsin import start_tocsin

pytestmark = pytest.mark.realtime

CONFIG = """
route:
  receiver: console
receivers:
  - name: console
    log_configs: [{}]
"""


def test_silences_acknowledged_before_kill9_survive(
    tmp_path: Path, backend_args: list[str]
) -> None:
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG)
    data = tmp_path / "data"
    server = start_tocsin(config, data, args=backend_args)
    created: dict[str, dict[str, object]] = {}
    try:
        httpx.post(f"{server.url}/api/v2/alerts", json=[{"labels": {"alertname": "Disk"}}])
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for i in range(20):
                body = {
                    "matchers": [
                        {"name": "alertname", "value": "Disk", "isRegex": False},
                        {"name": "n", "value": str(i), "isRegex": False, "isEqual": False},
                    ],
                    "startsAt": "2020-01-01T00:00:00Z",
                    "endsAt": "2099-01-01T00:00:00Z",
                    "createdBy": "ops",
                    "comment": f"silence {i}",
                }
                resp = client.post("/api/v2/silences", json=body)
                assert resp.status_code == 200, resp.text
                silence_id = resp.json()["silenceID"]
                created[silence_id] = client.get(f"/api/v2/silence/{silence_id}").json()
            # An update that expires and replaces, then the kill right after its 200.
            first = next(iter(created))
            replaced = dict(created[first])
            replaced["matchers"] = [{"name": "alertname", "value": "CPU", "isRegex": False}]
            resp = client.post("/api/v2/silences", json={**replaced, "id": first})
            assert resp.status_code == 200
            new_id = resp.json()["silenceID"]
    finally:
        server.kill9()

    restarted = start_tocsin(config, data, args=backend_args)
    try:
        listed = {s["id"]: s for s in httpx.get(f"{restarted.url}/api/v2/silences").json()}
        alert = httpx.get(f"{restarted.url}/api/v2/alerts").json()[0]
    finally:
        restarted.stop()
    assert set(listed) == {*created, new_id}
    assert listed[first]["status"]["state"] == "expired"
    assert listed[new_id]["matchers"] == [
        {"isEqual": True, "isRegex": False, "name": "alertname", "value": "CPU"}
    ]
    for silence_id, before in created.items():
        if silence_id != first:
            assert listed[silence_id] == before  # whole: every field as acknowledged
    assert alert["status"]["state"] == "suppressed"
    assert len(alert["status"]["silencedBy"]) == 19
