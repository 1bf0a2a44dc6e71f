"""Documentation keeps up: every route, command, flag and top-level config key is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Route
from tests.conftest import ApiHarness

from tocsin.cli import app as cli_app
from tocsin.config import Config

ROOT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(
    p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
)


def test_every_http_route_is_documented(api: ApiHarness) -> None:
    routes = [r for r in api.client.app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]
    assert routes
    for route in routes:
        path = re.sub(r"\{\w+\}", "{id}", route.path)  # path parameters are written {id}
        assert f"`{path}" in DOCS or f" {path}`" in DOCS, route.path


def _commands(command: object, prefix: str) -> list[tuple[str, object]]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [(prefix, command)]
    found: list[tuple[str, object]] = []
    for name, sub in subcommands.items():
        found += _commands(sub, f"{prefix} {name}")
    return found


def test_every_cli_command_and_flag_is_documented() -> None:
    import typer.main

    commands = _commands(typer.main.get_command(cli_app), "tocsin")
    assert len(commands) >= 4
    for name, command in commands:
        assert name in DOCS, name
        for param in command.params:  # type: ignore[attr-defined]
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in DOCS, f"{name} {opt}"


@pytest.mark.parametrize("key", sorted(f.alias or name for name, f in Config.model_fields.items()))
def test_every_top_level_config_key_is_documented(key: str) -> None:
    assert re.search(rf"`{re.escape(key)}`", DOCS), key


def test_every_metric_is_documented(api: ApiHarness) -> None:
    text = api.client.get("/metrics").text
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP tocsin_")}
    assert names
    for name in names:
        base = name.removesuffix("_total")
        assert base in DOCS, name
