"""Free TCP ports on 127.0.0.1 for test servers."""

from __future__ import annotations

import socket

__all__ = ["free_port"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The port is found by binding to port 0 and closing the socket, so another process may
    take it before the caller does; callers that start a server should retry on conflict.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
