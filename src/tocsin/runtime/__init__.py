"""Wiring: clock, start-up, background work, shutdown."""

from tocsin.runtime.clock import FileClock, TestClockRefused, clock_from_environment
from tocsin.runtime.server import ListenError, ServeOptions, Server, config_view

__all__ = [
    "FileClock",
    "ListenError",
    "ServeOptions",
    "Server",
    "TestClockRefused",
    "clock_from_environment",
    "config_view",
]
