"""``tocsin silences``: add, list and expire silences on a running server, as
``amtool silence`` does."""

from __future__ import annotations

import getpass
import os
from typing import Annotated, Any

import typer

from tocsin.cli._args import (
    OutputFormat,
    OutputOption,
    UrlOption,
    current_time,
    parse_args_matchers,
    parse_duration_seconds,
    parse_timestamp,
    wire_time,
)
from tocsin.cli._client import DEFAULT_URL, Refused, connect
from tocsin.cli._output import display_time, print_json, print_table, sort_time, text_at

__all__ = ["silences_app"]

silences_app = typer.Typer(
    help="Add, list and expire silences on a running server.", no_args_is_help=True
)

_MATCHERS_HELP = (
    'Matchers: alertname="X", severity=~"crit|warn", env!="dev"; a first bare word is the '
    "alertname."
)


def _login_name() -> str:
    name = os.environ.get("USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return ""


@silences_app.command("add")
def silences_add(
    matchers: Annotated[list[str], typer.Argument(help=_MATCHERS_HELP, show_default=False)],
    comment: Annotated[str, typer.Option("--comment", "-c", help="Why the silence exists.")],
    url: UrlOption = DEFAULT_URL,
    author: Annotated[
        str | None,
        typer.Option("--author", "-a", help="Who creates it (default: $USER).", show_default=False),
    ] = None,
    duration: Annotated[
        str, typer.Option("--duration", "-d", help="How long it lasts, from its start.")
    ] = "1h",
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="When it starts (RFC 3339; default: now).", show_default=False
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--end", help="When it ends (RFC 3339; overrides --duration).", show_default=False
        ),
    ] = None,
) -> None:
    """Create a silence and print its id."""
    parsed = parse_args_matchers(matchers)
    if not comment.strip():
        raise typer.BadParameter("a comment is required", param_hint="--comment")
    starts_at = parse_timestamp(start, param="--start") if start is not None else current_time()
    if end is not None:
        ends_at = parse_timestamp(end, param="--end")
    else:
        length = parse_duration_seconds(duration, param="--duration")
        if length <= 0:
            raise typer.BadParameter(
                "silence duration must be greater than 0", param_hint="--duration"
            )
        ends_at = starts_at + length
    if starts_at > ends_at:
        raise typer.BadParameter("silence cannot start after it ends", param_hint="--start")
    silence: dict[str, Any] = {
        "matchers": [
            {
                "name": m.name,
                "value": m.value,
                "isRegex": m.is_regex,
                "isEqual": not m.is_negative,
            }
            for m in parsed
        ],
        "startsAt": wire_time(starts_at),
        "endsAt": wire_time(ends_at),
        "createdBy": author if author is not None else _login_name(),
        "comment": comment,
    }
    with connect(url) as client:
        silence_id = client.post_silence(silence)
    typer.echo(silence_id)


@silences_app.command("list")
def silences_list(
    matchers: Annotated[
        list[str] | None,
        typer.Argument(
            help="Only silences having each of these matchers, written exactly as in the "
            "silence; a first bare word is the alertname.",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    output: OutputOption = OutputFormat.TABLE,
    expired: Annotated[
        bool, typer.Option("--expired", help="Show expired silences instead of active and pending.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the ids.")] = False,
) -> None:
    """List active and pending silences (or, with --expired, expired ones)."""
    filters = [str(m) for m in parse_args_matchers(matchers or [])]
    with connect(url) as client:
        silences = client.silences(filters=filters)
    wanted = {"expired"} if expired else {"active", "pending"}
    shown = [s for s in silences if text_at(s, "status", "state") in wanted]
    if quiet:
        for silence in shown:
            typer.echo(text_at(silence, "id"))
        return
    if output is OutputFormat.JSON:
        print_json(shown)
        return
    rows = [
        [
            text_at(silence, "id"),
            " ".join(_matcher_text(m) for m in silence.get("matchers") or []),
            display_time(silence.get("endsAt")),
            text_at(silence, "createdBy"),
            text_at(silence, "comment"),
        ]
        for silence in sorted(shown, key=lambda s: sort_time(s.get("endsAt")))
    ]
    print_table(["ID", "Matchers", "Ends At", "Created By", "Comment"], rows)


@silences_app.command("expire")
def silences_expire(
    ids: Annotated[list[str], typer.Argument(help="The ids of the silences to expire.")],
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Expire silences now; every id is tried, and a failure for any one exits 1."""
    failed = False
    with connect(url) as client:
        for silence_id in ids:
            try:
                client.expire_silence(silence_id)
            except Refused as exc:
                typer.echo(f"error: {silence_id}: {exc.message}", err=True)
                failed = True
    if failed:
        raise typer.Exit(1)


def _matcher_text(matcher: object) -> str:
    """A silence matcher from the API as Alertmanager writes it: ``name=~"value"``."""
    name = text_at(matcher, "name")
    value = text_at(matcher, "value")
    regex = isinstance(matcher, dict) and matcher.get("isRegex") is True
    equal = not isinstance(matcher, dict) or matcher.get("isEqual") is not False
    op = ("=~" if equal else "!~") if regex else ("=" if equal else "!=")
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return f'{name}{op}"{escaped}"'
