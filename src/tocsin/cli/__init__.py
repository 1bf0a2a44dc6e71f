"""The ``tocsin`` command."""

from __future__ import annotations

import typer

from tocsin import __version__
from tocsin.cli._alerts import alerts_app
from tocsin.cli._check import check_config
from tocsin.cli._deliveries import deliveries_app
from tocsin.cli._incidents import incidents_app, overrides_app
from tocsin.cli._oncall import oncall_app
from tocsin.cli._routes import routes_app
from tocsin.cli._serve import serve
from tocsin.cli._silences import silences_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="tocsin",
    help="Self-hosted alerting and incident response, a drop-in for Prometheus Alertmanager.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve)
app.command("check-config")(check_config)
app.add_typer(routes_app, name="routes")
app.add_typer(alerts_app, name="alerts")
app.add_typer(silences_app, name="silences")
app.add_typer(deliveries_app, name="deliveries")
app.add_typer(oncall_app, name="oncall")
app.add_typer(incidents_app, name="incidents")
app.add_typer(overrides_app, name="overrides")


@app.command("version")
def version() -> None:
    """Print tocsin's version."""
    typer.echo(f"tocsin {__version__}")


def main() -> None:
    app()
