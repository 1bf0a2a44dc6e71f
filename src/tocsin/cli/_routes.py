"""``tocsin routes``: the routing tree, and what it does with an alert, as
``amtool config routes`` shows them.

The tree comes from a configuration file (``--config``) or, without one, from a running
server's ``GET /api/v2/status`` (``config.original``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tocsin.cli._args import UrlOption, parse_pairs
from tocsin.cli._client import DEFAULT_URL, connect, redact_url
from tocsin.cli._output import text_at
from tocsin.cli._route_tree import render_routing_tree
from tocsin.config import ConfigError, Route, load_config, load_config_text
from tocsin.pipeline import build_routes

__all__ = ["routes_app"]

routes_app = typer.Typer(help="Inspect the routing tree.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="The configuration file (default: the running server's configuration, from --url).",
        show_default=False,
    ),
]


def _config_failed(exc: ConfigError) -> typer.Exit:
    for issue in exc.issues:
        typer.echo(str(issue), err=True)
    return typer.Exit(1)


def _root_route(config: Path | None, url: str) -> Route:
    """The root route of the file, or of the server's configuration; exit 1 when invalid."""
    if config is not None:
        try:
            return load_config(config, allow_unsupported_receivers=True).route
        except ConfigError as exc:
            raise _config_failed(exc) from None
    with connect(url) as client:
        status = client.status()
    original = text_at(status, "config", "original")
    source = f"{redact_url(url.rstrip('/'))}/api/v2/status"
    if not original:
        typer.echo(f"error: {source} has no config.original", err=True)
        raise typer.Exit(1)
    try:
        # The server's configuration, already expanded: nothing to take from this environment.
        loaded = load_config_text(
            original, filename=source, env={}, allow_unsupported_receivers=True
        )
    except ConfigError as exc:
        raise _config_failed(exc) from None
    return loaded.route


@routes_app.command("show")
def routes_show(config: ConfigOption = None, url: UrlOption = DEFAULT_URL) -> None:
    """Print the routing tree: each route's matchers, continue flag and receiver."""
    typer.echo(render_routing_tree(_root_route(config, url)), nl=False)


@routes_app.command("test")
def routes_test(
    labels: Annotated[
        list[str] | None,
        typer.Argument(help="The alert's labels, name=value.", show_default=False),
    ] = None,
    config: ConfigOption = None,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Print the receivers an alert with these labels would reach, comma-separated, in
    routing-tree order."""
    label_set = parse_pairs(labels or [], param="LABELS", what="labels")
    root = _root_route(config, url)
    typer.echo(",".join(build_routes(root).receivers(label_set)))
