"""``log_configs`` (tocsin): write each notification to tocsin's log; ``[{}]`` is valid."""

from __future__ import annotations

from typing import Literal

from tocsin.config.receivers._common import NotifierConfig

__all__ = ["LogConfig"]


class LogConfig(NotifierConfig):
    send_resolved: bool = True
    format: Literal["text", "json"] = "text"
