"""``tocsin deliveries``: the delivery log of a running server."""

from __future__ import annotations

from typing import Annotated

import typer

from tocsin.cli._args import OutputFormat, OutputOption, UrlOption
from tocsin.cli._client import DEFAULT_URL, connect
from tocsin.cli._output import display_time, print_json, print_table

__all__ = ["deliveries_app"]

deliveries_app = typer.Typer(
    help="The delivery log: every attempt to deliver a notification.", no_args_is_help=True
)


@deliveries_app.command("list")
def deliveries_list(
    url: UrlOption = DEFAULT_URL,
    output: OutputOption = OutputFormat.TABLE,
    receiver: Annotated[
        str | None, typer.Option("--receiver", "-r", help="Only this receiver.")
    ] = None,
    integration: Annotated[
        str | None, typer.Option("--integration", help="Only this type (slack, email…).")
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            "--outcome", help="Only these outcomes: sent, retry, failed, summarised (repeatable)."
        ),
    ] = None,
    group_key: Annotated[str | None, typer.Option("--group-key", help="Only this group.")] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="An idempotency key: the message and what it carried."),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this time (RFC 3339).")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this time (RFC 3339).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many rows.")] = 50,
) -> None:
    """List delivery attempts, newest first."""
    params: list[tuple[str, str]] = [("limit", str(limit))]
    for name, value in (
        ("receiver", receiver),
        ("integration", integration),
        ("group_key", group_key),
        ("idempotency_key", key),
        ("since", since),
        ("until", until),
    ):
        if value:
            params.append((name, value))
    params += [("outcome", o) for o in outcome or []]
    with connect(url) as client:
        data = client.deliveries(params)
    rows = data["deliveries"]
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = [
        [
            display_time(r.get("at")),
            str(r.get("receiver", "")),
            f"{r.get('integration', '')}[{r.get('index', 0)}]",
            str(r.get("target", "")),
            str(r.get("attempt", "")),
            str(r.get("outcome", "")),
            "" if r.get("status_code") is None else str(r["status_code"]),
            "" if r.get("latency_ms") is None else f"{r['latency_ms']:.0f}ms",
            _detail(r),
        ]
        for r in rows
    ]
    print_table(
        ["At", "Receiver", "Integration", "Target", "Try", "Outcome", "Code", "Took", "Detail"],
        table,
    )


def _detail(row: dict[str, object]) -> str:
    if row.get("outcome") == "summarised":
        return f"carried by {str(row.get('carried_by') or '')[:12]}"
    if row.get("fallback_for"):
        return f"fallback for {row['fallback_for']}" + (
            f": {row['error']}" if row.get("error") else ""
        )
    return str(row.get("error") or "")
