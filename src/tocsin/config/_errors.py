"""Configuration errors.

Hierarchy::

    Exception
    └── ConfigError          the file cannot be used; carries every ConfigIssue found

A :class:`ConfigIssue` is one problem at one place (file, line, column, key path). Loading
collects as many issues as it can and raises one :class:`ConfigError` holding all of them,
sorted by position.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ConfigError", "ConfigIssue", "format_path"]


def format_path(path: Iterable[str | int]) -> str:
    """Render a key path the way errors show it: ``route.routes[2].receiver``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = part
    return out


@dataclass(frozen=True, order=True)
class ConfigIssue:
    """One problem in a configuration file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """A configuration that cannot be used. ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues: list[ConfigIssue] = sorted(set(issues), key=_sort_key)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


def _sort_key(issue: ConfigIssue) -> tuple[str, int, int, str, str]:
    return (issue.file, issue.line, issue.column, issue.path, issue.message)
