"""The ``schedules`` section (tocsin): layers of rotations, restrictions and overrides."""

from __future__ import annotations

from tocsin.config._base import Model
from tocsin.config._types import Str

__all__ = ["Schedule"]


class Schedule(Model):
    name: Str = ""
