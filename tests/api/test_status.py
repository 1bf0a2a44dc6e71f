"""Both status endpoints show the configuration with every secret redacted."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tocsin import __version__
from tocsin.api import ApiContext, Metrics, create_app
from tocsin.config import load_config_text
from tocsin.model import FakeClock
from tocsin.runtime import config_view

SECRETS = ["hunter2-basic", "xoxb-slack-token", "pd-routing-key-0123", "s3cr3t-smtp"]

CONFIG = f"""
global:
  smtp_smarthost: 127.0.0.1:25
  smtp_from: tocsin@example.org
  smtp_auth_username: tocsin
  smtp_auth_password: {SECRETS[3]}
route:
  receiver: hook
  routes:
    - receiver: pager
      matchers: [severity="critical"]
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:5001/
        http_config:
          basic_auth: {{username: u, password: {SECRETS[0]}}}
  - name: pager
    pagerduty_configs:
      - routing_key: {SECRETS[2]}
    slack_configs:
      - api_url: https://hooks.slack.invalid/services/{SECRETS[1]}
        channel: "#ops"
"""


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    clock = FakeClock()

    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=config_view(load_config_text(CONFIG)),
        reload=reload,
        version=__version__,
        started_at=clock.now() - 90,
        external_url="http://127.0.0.1:9093",
        store_backend="postgresql",
        ready=True,
    )
    return TestClient(create_app(ctx))


def test_no_secret_appears_in_either_status(client: TestClient) -> None:
    for path in ("/api/v2/status", "/api/tocsin/v1/status"):
        text = client.get(path).text
        assert "<secret>" in text, path
        for secret in SECRETS:
            assert secret not in text, (path, secret)


def test_native_status_has_version_backend_uptime_and_full_config(client: TestClient) -> None:
    status = client.get("/api/tocsin/v1/status").json()
    assert status["version"] == __version__
    assert status["store"] == {"backend": "postgresql"}
    assert status["uptime_seconds"] == 90
    assert status["ready"] is True
    assert status["config"]["receivers"][1]["name"] == "pager"
    assert status["config"]["severity"]["label"] == "severity"  # tocsin's own section


def test_alertmanager_status_has_only_the_alertmanager_subset(client: TestClient) -> None:
    original = client.get("/api/v2/status").json()["config"]["original"]
    assert "severity:" not in original
    assert "receiver: pager" in original
