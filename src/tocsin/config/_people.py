"""The ``users`` and ``teams`` sections (tocsin): people, how to reach them, their teams."""

from __future__ import annotations

from tocsin.config._base import Model
from tocsin.config._types import Str

__all__ = ["Team", "User"]


class User(Model):
    name: Str = ""


class Team(Model):
    name: Str = ""
