"""Teams cards with Alertmanager's default texts and tocsin's runbook texts (they need the
named default templates)."""

from __future__ import annotations

import pytest
from tests.channels.test_msteams_channel import EXTERNAL, _message

from tocsin.channels.msteams import MSTeamsChannel
from tocsin.config import load_config_text
from tocsin.templates import Templates


def _texts(kind: str, more: str = "") -> list[str]:
    text = f"""
route: {{receiver: chat}}
receivers:
  - name: chat
    {kind}: [{{webhook_url: 'https://example.test/x'{more}}}]
"""
    config = getattr(load_config_text(text).receivers[0], kind)[0]
    card = MSTeamsChannel(config, templates=Templates(), external_url=EXTERNAL).card(_message())
    body = card["attachments"][0]["content"]["body"]  # type: ignore[index]
    return [block["text"] for block in body]


@pytest.mark.parametrize("kind", ["msteams_configs", "msteamsv2_configs"])
def test_the_default_title_is_alertmanagers_subject(kind: str) -> None:
    title, text = _texts(kind)
    assert title == "[FIRING:1] Disk "
    assert "instance = a" in text


@pytest.mark.parametrize("kind", ["msteams_configs", "msteamsv2_configs"])
def test_runbook_renders_tocsins_texts_unless_the_config_sets_them(kind: str) -> None:
    title, text = _texts(kind, ", template: runbook")
    assert title.strip()
    assert text.strip()
    own_title, _ = _texts(kind, ", template: runbook, title: mine")
    assert own_title == "mine"
