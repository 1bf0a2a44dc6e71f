"""The Workflows message tocsin posts to Microsoft Teams: Alertmanager 0.28's msteamsv2
Adaptive Card, with tocsin's buttons.

    {"type": "message",
     "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                      "contentUrl": null,
                      "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                                  "type": "AdaptiveCard", "version": "1.2",
                                  "body": [title TextBlock, text TextBlock],
                                  "actions": [Action.OpenUrl …],      (tocsin, when any)
                                  "fallbackText": summary,            (tocsin, when set)
                                  "msteams": {"width": "full"}}}]}

The title is bold, medium, wrapped, in the ``heading`` style, and coloured ``Attention``
while anything fires, ``Good`` once all is resolved. Both blocks carry ``text`` even when
it is empty, as Alertmanager's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["ADAPTIVE_CARD", "CARD_SCHEMA", "COLORS", "adaptive_card_message"]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
COLORS = {"firing": "Attention", "resolved": "Good"}


def adaptive_card_message(
    *,
    title: str,
    text: str,
    status: str,
    buttons: Sequence[tuple[str, str]] = (),
    summary: str = "",
) -> dict[str, Any]:
    """The message for a notification of ``status`` ("firing" or "resolved").

    ``buttons`` are (title, URL) pairs, each an ``Action.OpenUrl`` (those without a URL are
    left out); ``summary`` is the card's ``fallbackText`` when not empty."""
    content: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.2",
        "body": [
            {
                "type": "TextBlock",
                "text": title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "style": "heading",
                "color": COLORS.get(status, "Warning"),
            },
            {"type": "TextBlock", "text": text, "wrap": True},
        ],
    }
    actions = [
        {"type": "Action.OpenUrl", "title": name, "url": url} for name, url in buttons if url
    ]
    if actions:
        content["actions"] = actions
    if summary:
        content["fallbackText"] = summary
    content["msteams"] = {"width": "full"}
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": content}],
    }
