"""One documented-style example per receiver type, loaded as tocsin loads it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tocsin.config import (
    RECEIVER_TYPES,
    SUPPORTED_RECEIVER_TYPES,
    ConfigError,
    load_config,
)

EXAMPLES = Path(__file__).parent / "examples"
REPO = Path(__file__).parents[2]
ALERTMANAGER_TYPES = set(list(RECEIVER_TYPES)[:12])
AMTOOL = "/usr/bin/amtool"


def example(kind: str) -> Path:
    return EXAMPLES / f"{kind.removesuffix('_configs')}.yml"


def test_there_is_an_example_for_every_receiver_type() -> None:
    assert {p.stem + "_configs" for p in EXAMPLES.glob("*.yml")} == set(RECEIVER_TYPES)


@pytest.mark.parametrize("kind", sorted(SUPPORTED_RECEIVER_TYPES))
def test_supported_types_load_without_the_flag(kind: str) -> None:
    config = load_config(example(kind), env={})
    (receiver,) = config.receivers
    assert getattr(receiver, kind)
    assert config.unsupported_integrations == []


@pytest.mark.parametrize("kind", sorted(set(RECEIVER_TYPES) - SUPPORTED_RECEIVER_TYPES))
def test_unsupported_types_need_the_flag(kind: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(example(kind), env={})
    (issue,) = info.value.issues
    assert issue.path == f"receivers[0].{kind}"
    assert f"uses {kind}, which tocsin cannot send" in issue.message
    config = load_config(example(kind), env={}, allow_unsupported_receivers=True)
    assert config.unsupported_integrations == [(config.receivers[0].name, kind)]


def test_examples_keep_their_values() -> None:
    slack = load_config(example("slack_configs"), env={}).receivers[0].slack_configs[0]
    assert slack.channel == "#alerts"
    assert slack.fields[0].short is True
    assert slack.actions[0].url.startswith("{{")
    twilio = load_config(example("twilio_configs"), env={}).receivers[0].twilio_configs[0]
    assert (twilio.mode, twilio.api_url, twilio.to) == (
        "voice",
        "https://api.twilio.com",
        "+14155550199",
    )
    logs = load_config(example("log_configs"), env={}).receivers[0].log_configs
    assert [(c.format, c.send_resolved) for c in logs] == [("text", True), ("json", False)]
    pushover = load_config(example("pushover_configs"), env={}, allow_unsupported_receivers=True)
    assert str(pushover.receivers[0].pushover_configs[0].retry) == "30s"


def test_the_repository_example_loads() -> None:
    config = load_config(REPO / "examples" / "alertmanager.yml", env={})
    assert [r.name for r in config.receivers] == ["default", "critical", "database-team"]
    assert len(config.route.routes) == 3
    assert config.time_interval_map.keys() == {"business-hours", "maintenance-window"}


@pytest.mark.external
@pytest.mark.parametrize(
    "path",
    [REPO / "examples" / "alertmanager.yml"]
    + [example(kind) for kind in sorted(ALERTMANAGER_TYPES)],
    ids=lambda p: p.name,
)
def test_alertmanager_accepts_the_same_examples(path: Path) -> None:
    assert shutil.which(AMTOOL)
    result = subprocess.run(
        [AMTOOL, "check-config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
