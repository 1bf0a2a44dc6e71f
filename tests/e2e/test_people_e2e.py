"""People made through the API live beside the configuration's: a name the file defines
answers 409, a reload that introduces a name the API owns is refused with its position, a
reload never deletes what the API made, and an override made through the API changes who
is on call."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support.tocsin import TocsinProcess, start_tocsin

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TocsinProcess]:
    config = tmp_path / "tocsin.yml"
    shutil.copy(ROOT / "examples" / "tocsin.yml", config)
    started = start_tocsin(config, tmp_path / "data")
    try:
        yield started
    finally:
        started.stop()


def test_api_people_beside_the_configuration(server: TocsinProcess) -> None:
    api = f"{server.url}/api/tocsin/v1"
    made = httpx.post(f"{api}/users", json={"name": "zoe", "email": "zoe@example.org"})
    assert made.status_code == 201, made.text
    clash = httpx.post(f"{api}/users", json={"name": "aiko", "email": "a@example.org"})
    assert clash.status_code == 409
    assert "defined in the configuration" in clash.json()["error"]
    users = {u["name"]: u["source"] for u in httpx.get(f"{api}/users").json()["users"]}
    assert users["zoe"] == "api"
    assert users["aiko"] == "config"

    # a reload introducing "zoe" in the file is refused, at the name's position
    original = server.config.read_text()
    server.config.write_text(
        original.replace("users:\n", 'users:\n  - {name: zoe, email: "zoe@example.org"}\n', 1)
    )
    refused = httpx.post(f"{server.url}/-/reload")
    assert refused.status_code == 400
    assert f"{server.config}:" in refused.text
    assert "was made through the API" in refused.text

    # a valid reload keeps what the API made
    server.config.write_text(original)
    assert httpx.post(f"{server.url}/-/reload").status_code == 200
    users = {u["name"] for u in httpx.get(f"{api}/users").json()["users"]}
    assert "zoe" in users


def test_an_api_override_changes_who_is_on_call(server: TocsinProcess) -> None:
    api = f"{server.url}/api/tocsin/v1"
    at = "2026-11-23T10:00:00Z"
    before = httpx.get(f"{api}/oncall", params={"schedule": "storage-weekly", "at": at}).json()
    assert before["user"] == "sam"
    made = httpx.post(
        f"{api}/overrides",
        json={
            "schedule": "storage-weekly",
            "user": "noor",
            "start": "2026-11-23T09:00:00Z",
            "end": "2026-11-23T12:00:00Z",
        },
    )
    assert made.status_code == 201, made.text
    after = httpx.get(f"{api}/oncall", params={"schedule": "storage-weekly", "at": at}).json()
    assert after["user"] == "noor"
    assert after["override"] is not None
