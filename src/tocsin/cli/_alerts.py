"""``tocsin alerts``: list and add alerts on a running server, as ``amtool alert`` does."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tocsin.cli._args import (
    OutputFormat,
    OutputOption,
    UrlOption,
    parse_args_matchers,
    parse_pairs,
    parse_timestamp,
    wire_time,
)
from tocsin.cli._client import DEFAULT_URL, connect
from tocsin.cli._output import display_time, print_json, print_table, sort_time, text_at

__all__ = ["alerts_app"]

alerts_app = typer.Typer(help="List and add alerts on a running server.", no_args_is_help=True)


@alerts_app.command("list")
def alerts_list(
    matchers: Annotated[
        list[str] | None,
        typer.Argument(
            help='Matchers: alertname="X", severity=~"crit|warn"; a first bare word is the '
            "alertname.",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    output: OutputOption = OutputFormat.TABLE,
    active: Annotated[
        bool | None,
        typer.Option(
            "--active/--no-active",
            "-a",
            help="Show active alerts (the default when no state flag is given).",
            show_default=False,
        ),
    ] = None,
    silenced: Annotated[
        bool, typer.Option("--silenced", "-s", help="Show silenced alerts.")
    ] = False,
    inhibited: Annotated[
        bool, typer.Option("--inhibited", "-i", help="Show inhibited alerts.")
    ] = False,
    unprocessed: Annotated[
        bool, typer.Option("--unprocessed", "-u", help="Show unprocessed alerts.")
    ] = False,
    receiver: Annotated[
        str | None,
        typer.Option(
            "--receiver", "-r", help="Only alerts routed to a receiver matching this regex."
        ),
    ] = None,
) -> None:
    """List the server's alerts: active ones unless state flags say otherwise."""
    filters = [str(m) for m in parse_args_matchers(matchers or [])]
    if active is None:
        active = not (silenced or inhibited or unprocessed)
    with connect(url) as client:
        alerts = client.alerts(
            filters=filters,
            receiver=receiver,
            active=active,
            silenced=silenced,
            inhibited=inhibited,
            unprocessed=unprocessed,
        )
    if output is OutputFormat.JSON:
        print_json(alerts)
        return
    rows = [
        [
            text_at(alert, "labels", "alertname"),
            display_time(alert.get("startsAt")),
            text_at(alert, "annotations", "summary"),
            text_at(alert, "status", "state"),
        ]
        for alert in sorted(alerts, key=lambda a: sort_time(a.get("startsAt")))
    ]
    print_table(["Alertname", "Starts At", "Summary", "State"], rows)


@alerts_app.command("add")
def alerts_add(
    labels: Annotated[
        list[str],
        typer.Argument(
            help="The alert's labels, name=value; a first bare word is the alertname.",
            show_default=False,
        ),
    ],
    url: UrlOption = DEFAULT_URL,
    annotation: Annotated[
        list[str] | None,
        typer.Option("--annotation", help="An annotation, name=value (repeatable)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="When the alert started (RFC 3339).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="When the alert ends (RFC 3339).")
    ] = None,
    generator_url: Annotated[
        str | None,
        typer.Option("--generator-url", help="The URL of what generated the alert."),
    ] = None,
) -> None:
    """Send an alert to the server, as a Prometheus would."""
    alert: dict[str, Any] = {
        "labels": parse_pairs(labels, param="LABELS", what="labels", bare_alertname=True),
        "annotations": parse_pairs(annotation or [], param="--annotation", what="annotations"),
    }
    if start is not None:
        alert["startsAt"] = wire_time(parse_timestamp(start, param="--start"))
    if end is not None:
        alert["endsAt"] = wire_time(parse_timestamp(end, param="--end"))
    if generator_url:
        alert["generatorURL"] = generator_url
    with connect(url) as client:
        client.post_alerts([alert])
