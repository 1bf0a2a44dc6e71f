"""Command-line arguments shared by the commands that talk to a server.

Matchers and labels are written as Alertmanager writes them (``name="value"``,
``name=~"regex"``; quotes optional), and a first argument that is not a matcher is the
alert's name, as ``amtool`` reads it. Problems are usage errors (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

import typer

from tocsin.cli._client import DEFAULT_URL
from tocsin.config import Duration
from tocsin.model import Matcher, MatcherError, MatchType, new_matcher, parse_matcher
from tocsin.model.times import TimeFormatError, format_millis, parse_time
from tocsin.runtime import TestClockRefused, clock_from_environment

__all__ = [
    "OutputFormat",
    "OutputOption",
    "UrlOption",
    "check_url",
    "current_time",
    "parse_args_matchers",
    "parse_duration_seconds",
    "parse_pairs",
    "parse_timestamp",
    "wire_time",
]


def current_time() -> float:
    """Now, from the clock tocsin runs on (a test clock when the environment allows one)."""
    try:
        return clock_from_environment().now()
    except TestClockRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


# Something that starts like a matcher: a label name, then an operator.
_LOOKS_LIKE_MATCHER = re.compile(r"\A[\t\n\f\r ]*[a-zA-Z_:][a-zA-Z0-9_:]*[\t\n\f\r ]*(=|!=|!~)")


class OutputFormat(StrEnum):
    """How a list is printed."""

    TABLE = "table"
    JSON = "json"


def check_url(value: str) -> str:
    """The server URL, refused unless it is ``http(s)://host[:port][/prefix]``."""
    if not re.match(r"\Ahttps?://[^/?#\s]+(/[^?#\s]*)?\Z", value):
        raise typer.BadParameter(
            f"expected http://HOST:PORT or https://HOST:PORT, got {value!r}", param_hint="--url"
        )
    return value


UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        envvar="TOCSIN_URL",
        callback=check_url,
        help=f"The tocsin server (default {DEFAULT_URL}).",
        show_default=False,
    ),
]

OutputOption = Annotated[
    OutputFormat,
    typer.Option("--output", "-o", help="table or json.", case_sensitive=False),
]


def parse_args_matchers(args: Sequence[str], *, param: str = "matcher") -> list[Matcher]:
    """Matchers from arguments; a first argument that is not a matcher means
    ``alertname="ARG"``."""
    matchers: list[Matcher] = []
    for index, text in enumerate(args):
        try:
            matchers.append(parse_matcher(text))
        except MatcherError as exc:
            if index == 0 and not _LOOKS_LIKE_MATCHER.match(text):
                matchers.append(new_matcher("alertname", MatchType.EQUAL, text))
                continue
            raise typer.BadParameter(str(exc), param_hint=param) from None
    return matchers


def parse_pairs(
    args: Sequence[str], *, param: str, what: str, bare_alertname: bool = False
) -> dict[str, str]:
    """``name=value`` pairs (quotes optional), as labels and annotations are given; with
    ``bare_alertname``, a first argument that is not a pair is the alertname."""
    pairs: dict[str, str] = {}
    for index, text in enumerate(args):
        try:
            matcher = parse_matcher(text)
        except MatcherError as exc:
            if bare_alertname and index == 0 and not _LOOKS_LIKE_MATCHER.match(text):
                pairs["alertname"] = text
                continue
            raise typer.BadParameter(str(exc), param_hint=param) from None
        if matcher.type is not MatchType.EQUAL:
            raise typer.BadParameter(
                f"{what} must be specified as name=value pairs, got {text!r}", param_hint=param
            )
        pairs[matcher.name] = matcher.value
    return pairs


def parse_timestamp(text: str, *, param: str) -> float:
    """An RFC 3339 timestamp, as seconds since the epoch."""
    try:
        seconds = parse_time(text)
    except TimeFormatError as exc:
        raise typer.BadParameter(str(exc), param_hint=param) from None
    if seconds is None or not text:
        raise typer.BadParameter(f"expected an RFC 3339 time, got {text!r}", param_hint=param)
    return seconds


def parse_duration_seconds(text: str, *, param: str) -> float:
    """A Prometheus duration (``90m``, ``1h30m``, ``2d``), in seconds."""
    try:
        return Duration.parse(text).seconds
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=param) from None


def wire_time(seconds: float) -> str:
    """A time as the API takes it: RFC 3339, UTC, milliseconds."""
    return format_millis(seconds)
