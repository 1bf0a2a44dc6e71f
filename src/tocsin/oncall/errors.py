"""What the on-call package refuses, as domain errors (the API maps them to 404 or 409)::

OncallError                 every refusal of this package
├── UnknownName             a schedule, user, team or target kind that does not exist
└── DuplicateName           an added user or team whose name is already taken
"""

from __future__ import annotations

__all__ = ["DuplicateName", "OncallError", "UnknownName"]


class OncallError(Exception):
    """A refusal of the on-call package; ``str()`` is one line for a person."""


class UnknownName(OncallError, LookupError):
    """``kind`` (``schedule``, ``user``, ``team`` or ``target kind``) named ``name`` does
    not exist."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f'unknown {kind} "{name}"')
        self.kind = kind
        self.name = name


class DuplicateName(OncallError):
    """A user or team added beside the configuration under a name already in use."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f'{kind} "{name}" is defined more than once')
        self.kind = kind
        self.name = name
