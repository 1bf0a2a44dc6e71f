"""The ``msteams`` channel (``msteams_configs``, ``msteamsv2_configs``): Microsoft Teams
Workflows webhooks, with Adaptive Cards."""

from tocsin.channels.msteams.card import (
    ADAPTIVE_CARD,
    CARD_SCHEMA,
    COLORS,
    adaptive_card_message,
)
from tocsin.channels.msteams.channel import ClientFactory, MSTeamsChannel, msteams_target

__all__ = [
    "ADAPTIVE_CARD",
    "CARD_SCHEMA",
    "COLORS",
    "ClientFactory",
    "MSTeamsChannel",
    "adaptive_card_message",
    "msteams_target",
]
