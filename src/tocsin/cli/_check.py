"""``tocsin check-config``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tocsin.config import ConfigError, load_config

__all__ = ["check_config"]


def check_config(
    files: Annotated[list[Path], typer.Argument(help="Configuration files to check.")],
    allow_unsupported_receivers: Annotated[
        bool, typer.Option("--allow-unsupported-receivers")
    ] = False,
) -> None:
    """Validate configuration files; exit 0 when all are valid, 1 otherwise.

    Templates that cannot be used (a Go construct tocsin does not translate, a syntax
    error, a name the template data does not have) are warnings: the field uses its
    channel's default text, and the file is still valid."""
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    failed = False
    for path in files:
        try:
            config = load_config(path, allow_unsupported_receivers=allow_unsupported_receivers)
        except ConfigError as exc:
            failed = True
            err.print(f"[bold red]FAILED[/] {path}", markup=True)
            for issue in exc.issues:
                err.print(str(issue), markup=False)
            continue
        from tocsin.runtime.channels import template_warnings

        for warning in template_warnings(config):
            err.print(f"warning: {warning}", markup=False)
        out.print(
            f"SUCCESS {path}: {len(config.receivers)} receivers, "
            f"{len(config.inhibit_rules)} inhibit rules, "
            f"{len(config.time_intervals)} time intervals",
            markup=False,
        )
    if failed:
        raise typer.Exit(1)
