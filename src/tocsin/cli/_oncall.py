"""``tocsin oncall``: who is on call, and the shifts of a schedule.

With ``--config`` the answer comes from the file alone; otherwise from the server at
``--url`` (``GET /api/tocsin/v1/oncall`` and ``/api/tocsin/v1/schedules/{name}/shifts``).
``-o json`` prints what the API answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from tocsin.cli._args import (
    OutputFormat,
    OutputOption,
    UrlOption,
    current_time,
    parse_timestamp,
    wire_time,
)
from tocsin.cli._client import DEFAULT_URL, Client, ClientError
from tocsin.cli._output import display_time, print_json, print_table, text_at
from tocsin.config import ConfigError, load_config
from tocsin.oncall import Roster, UnknownName

__all__ = ["oncall_app"]

oncall_app = typer.Typer(help="Who is on call, and the shifts of a schedule.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Answer from this configuration file instead of a running server.",
        show_default=False,
    ),
]


class _OncallClient(Client):
    """The on-call part of tocsin's native API."""

    def oncall(self, schedule: str | None, at: float | None) -> Any:
        path = "/api/tocsin/v1/oncall"
        params = [("schedule", schedule)] if schedule else []
        if at is not None:
            params.append(("at", wire_time(at)))
        data = self._json(path, self._request("GET", path, params=params))
        if not isinstance(data, (dict if schedule else list)):
            raise self._unexpected(path, "an on-call answer")
        return data

    def shifts(self, schedule: str, start: float, end: float) -> list[dict[str, Any]]:
        path = f"/api/tocsin/v1/schedules/{quote(schedule, safe='')}/shifts"
        return self._list(path, [("from", wire_time(start)), ("to", wire_time(end))])


@contextmanager
def _connect(url: str) -> Iterator[_OncallClient]:
    try:
        with _OncallClient(url) as client:
            yield client
    except ClientError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _roster(config: Path) -> Roster:
    try:
        return Roster.from_config(load_config(config, allow_unsupported_receivers=True))
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from None


def _refused(exc: UnknownName) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _override_text(answer: dict[str, Any]) -> str:
    override = answer.get("override")
    return text_at(override, "id") if isinstance(override, dict) else ""


@oncall_app.command("who")
def oncall_who(
    schedule: Annotated[
        str | None,
        typer.Option("--schedule", help="Only this schedule (default: every schedule)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="The instant (RFC 3339; default: now).", show_default=False),
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
    config: ConfigOption = None,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Print who is on call for each schedule, by which layer or override, since and until
    when."""
    when = parse_timestamp(at, param="--at") if at is not None else None
    if config is not None:
        roster = _roster(config)
        now = when if when is not None else current_time()
        try:
            names = [schedule] if schedule else list(roster.schedules)
            answers = [roster.who(name, now).as_json() for name in names]
        except UnknownName as exc:
            raise _refused(exc) from None
        data: Any = answers[0] if schedule else answers
    else:
        with _connect(url) as client:
            data = client.oncall(schedule, when)
    if output is OutputFormat.JSON:
        print_json(data)
        return
    rows = [
        [
            text_at(answer, "schedule"),
            text_at(answer, "user") or "-",
            text_at(answer, "layer"),
            _override_text(answer),
            display_time(answer.get("since")),
            display_time(answer.get("until")),
        ]
        for answer in ([data] if isinstance(data, dict) else data)
        if isinstance(answer, dict)
    ]
    print_table(["Schedule", "User", "Layer", "Override", "Since", "Until"], rows)


@oncall_app.command("shifts")
def oncall_shifts(
    schedule: Annotated[str, typer.Option("--schedule", help="The schedule.")],
    start: Annotated[str, typer.Option("--from", help="The start of the range (RFC 3339).")],
    end: Annotated[str, typer.Option("--to", help="The end of the range (RFC 3339).")],
    output: OutputOption = OutputFormat.TABLE,
    config: ConfigOption = None,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Print the shifts of a schedule over a range: who, from when to when, by which layer
    or override (a gap shows user -)."""
    begins = parse_timestamp(start, param="--from")
    ends = parse_timestamp(end, param="--to")
    if ends <= begins:
        raise typer.BadParameter("must be after --from", param_hint="--to")
    if config is not None:
        roster = _roster(config)
        try:
            shifts = [s.as_json() for s in roster.shifts(schedule, begins, ends)]
        except UnknownName as exc:
            raise _refused(exc) from None
    else:
        with _connect(url) as client:
            shifts = client.shifts(schedule, begins, ends)
    if output is OutputFormat.JSON:
        print_json(shifts)
        return
    rows = [
        [
            display_time(shift.get("start")),
            display_time(shift.get("end")),
            text_at(shift, "user") or "-",
            text_at(shift, "layer"),
            _override_text(shift),
        ]
        for shift in shifts
    ]
    print_table(["Start", "End", "User", "Layer", "Override"], rows)
