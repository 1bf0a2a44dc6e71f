"""The ``escalation_policies`` section (tocsin): levels, delays, repeats, per severity."""

from __future__ import annotations

from tocsin.config._base import Model
from tocsin.config._types import Str

__all__ = ["EscalationPolicy"]


class EscalationPolicy(Model):
    name: Str = ""
