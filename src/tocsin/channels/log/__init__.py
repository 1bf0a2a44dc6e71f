"""The ``log`` channel (``log_configs``)."""

from tocsin.channels.log.channel import LogChannel

__all__ = ["LogChannel"]
