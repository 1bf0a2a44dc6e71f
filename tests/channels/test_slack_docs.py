"""The Slack channel's page documents every key, and its examples load and build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tocsin.channels.slack import SlackChannel
from tocsin.config import GlobalConfig, load_config_text
from tocsin.config.receivers import SlackConfig
from tocsin.templates import Templates

PAGE = Path(__file__).resolve().parents[2] / "docs" / "channels" / "slack.md"
TEXT = PAGE.read_text()
EXAMPLES = re.findall(r"```yaml\n(.*?)```", TEXT, re.S)


@pytest.mark.parametrize("key", sorted(SlackConfig.model_fields))
def test_every_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in TEXT, key


@pytest.mark.parametrize("key", [k for k in GlobalConfig.model_fields if k.startswith("slack_")])
def test_every_global_key_is_documented(key: str) -> None:
    assert f"`{key}`" in TEXT, key


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_load_and_build(example: str, tmp_path: Path) -> None:
    (tmp_path / "slack-webhook-url").write_text("https://hooks.slack.com/services/T1/B1/x\n")
    (tmp_path / "slack-bot-token").write_text("xoxb-1-2-x\n")
    text = example.replace("/etc/tocsin/", "")
    config = load_config_text(text, base_dir=tmp_path)
    (item,) = config.receivers[0].slack_configs
    assert isinstance(item, SlackConfig)
    templates = Templates()
    SlackChannel(item, templates=templates, external_url="http://tocsin.invalid")
    assert templates.warnings == []


def test_there_are_two_examples() -> None:
    assert len(EXAMPLES) == 2
