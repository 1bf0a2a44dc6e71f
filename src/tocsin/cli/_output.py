"""Printing lists: aligned columns for people (rich), JSON for programs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tocsin.model.times import TimeFormatError, parse_time

__all__ = ["display_time", "print_json", "print_table", "sort_time", "text_at"]

# Off a terminal (a pipe, a file) lines are never wrapped: one row, one line.
_UNWRAPPED_WIDTH = 100_000


def print_json(data: Any) -> None:
    """``data`` as one line of JSON, as ``amtool -o json`` prints it."""
    typer.echo(orjson.dumps(data).decode())


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Rows in aligned columns under a header, without borders (amtool's ``simple``)."""
    console = Console(highlight=False, emoji=False)
    if not console.is_terminal:
        console = Console(highlight=False, emoji=False, width=_UNWRAPPED_WIDTH)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, no_wrap=not console.is_terminal, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)


def sort_time(text: object) -> float:
    """A time from the API, for sorting; unparseable or missing times sort first."""
    if not isinstance(text, str):
        return float("-inf")
    try:
        seconds = parse_time(text)
    except TimeFormatError:
        return float("-inf")
    return float("-inf") if seconds is None else seconds


def display_time(text: object) -> str:
    """A time from the API in the local zone, as amtool prints it: ``2006-01-02 15:04:05 MST``."""
    if not isinstance(text, str):
        return ""
    try:
        seconds = parse_time(text)
    except TimeFormatError:
        return text
    if seconds is None:
        return ""
    try:
        local = datetime.fromtimestamp(seconds).astimezone()
    except (OverflowError, OSError, ValueError):
        return text
    return local.strftime("%Y-%m-%d %H:%M:%S %Z")


def text_at(data: object, *path: str) -> str:
    """The string at ``path`` in nested JSON objects, or ``""``."""
    for key in path:
        if not isinstance(data, dict):
            return ""
        data = data.get(key)
    return data if isinstance(data, str) else ""
