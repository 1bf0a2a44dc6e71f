"""``tocsin routes``: what the routing tree does with an alert, from the config file alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tocsin.config import ConfigError, load_config
from tocsin.model import is_valid_label_name
from tocsin.pipeline import build_routes

__all__ = ["routes_app"]

routes_app = typer.Typer(help="Inspect the routing tree.", no_args_is_help=True)


def _labels(pairs: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not is_valid_label_name(name):
            raise typer.BadParameter(f"expected name=value, got {pair!r}")
        if value:
            labels[name] = value.strip('"')
    return labels


@routes_app.command("test")
def routes_test(
    labels: Annotated[list[str], typer.Argument(help="The alert's labels, name=value.")],
    config: Annotated[Path, typer.Option("--config", help="The configuration file.")],
) -> None:
    """Print the receivers an alert with these labels would reach, one per line."""
    try:
        loaded = load_config(config, allow_unsupported_receivers=True)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for receiver in build_routes(loaded.route).receivers(_labels(labels)):
        typer.echo(receiver)
