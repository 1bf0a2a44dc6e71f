"""``tocsin serve``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from tocsin.cli._logging import setup_logging
from tocsin.config import ConfigError
from tocsin.model import Clock
from tocsin.runtime import (
    ListenError,
    ServeOptions,
    Server,
    TestClockRefused,
    clock_from_environment,
)
from tocsin.store import StoreError

__all__ = ["serve"]

log = logging.getLogger("tocsin")


def _split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise typer.BadParameter(f"expected HOST:PORT, got {listen!r}", param_hint="--listen")
    return (host.strip("[]") or "0.0.0.0"), int(port)


def serve(
    config: Annotated[Path, typer.Option("--config", help="The configuration file.")],
    listen: Annotated[
        str, typer.Option("--listen", help="Address to listen on, HOST:PORT.")
    ] = "127.0.0.1:9093",
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Directory of the SQLite store.")
    ] = Path("data"),
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Database URL; postgresql://… selects PostgreSQL."),
    ] = None,
    external_url: Annotated[
        str | None, typer.Option("--external-url", help="The URL users reach tocsin at.")
    ] = None,
    allow_unsupported_receivers: Annotated[
        bool,
        typer.Option(
            "--allow-unsupported-receivers",
            help="Start even when receivers use integrations tocsin cannot send.",
        ),
    ] = False,
    retention: Annotated[
        float, typer.Option("--retention-hours", help="How long resolved alerts are kept.")
    ] = 120.0,
    sqlite_synchronous: Annotated[
        str,
        typer.Option(
            "--sqlite-synchronous",
            help="NORMAL (durable against crashes) or FULL (also against power loss).",
        ),
    ] = "NORMAL",
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Run the tocsin server."""
    setup_logging(log_level)
    host, port = _split_listen(listen)
    if sqlite_synchronous.upper() not in ("NORMAL", "FULL"):
        raise typer.BadParameter("NORMAL or FULL", param_hint="--sqlite-synchronous")
    options = ServeOptions(
        config_path=config,
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        external_url=external_url,
        allow_unsupported_receivers=allow_unsupported_receivers,
        retention=retention * 3600,
        sqlite_synchronous=sqlite_synchronous.upper(),
    )
    try:
        clock = clock_from_environment()
    except TestClockRefused as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_run(options, clock))
    except ConfigError as exc:
        log.error("invalid configuration, not starting:\n%s", exc)
        raise typer.Exit(1) from None
    except (StoreError, ListenError) as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None


async def _run(options: ServeOptions, clock: Clock) -> None:
    server = Server(options, clock)
    server.bind()
    server.open_store()
    await server.serve()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory
