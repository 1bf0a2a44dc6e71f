"""Servers on 127.0.0.1 for channel tests: HTTP(S) endpoints, a forwarding proxy, TLS files,
and a guard that makes any attempt to reach another address fail before it leaves.

Each server runs in threads that :meth:`close` stops and joins.
"""

from __future__ import annotations

import http.client
import selectors
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest

__all__ = [
    "LocalProxy",
    "LocalServer",
    "Reply",
    "Seen",
    "TLSFiles",
    "forbid_non_local",
    "make_tls_files",
]

LOCAL = ("127.0.0.1", "localhost")
TEST_HOST = "webhook.test"  # resolved by LocalProxy only, never through DNS


@dataclass
class Seen:
    """A request a server received."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the server closes)


def forbid_non_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every connection or name look-up for anything but 127.0.0.1 fail at once."""
    real_connect = anyio.connect_tcp
    real_lookup = socket.getaddrinfo

    async def connect_tcp(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        if str(remote_host) not in LOCAL:
            raise OSError(f"test guard: {remote_host} is not 127.0.0.1")
        return await real_connect(remote_host, remote_port, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL:
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: {name} is not 127.0.0.1")
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class _Server(ThreadingHTTPServer):
    block_on_close = True  # server_close() joins the handler threads
    request_queue_size = 128  # a burst of clients is queued, not refused (the default is 5)
    owner: Any


def _start(server: _Server) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="test-http-server"
    )
    thread.start()
    return thread


def _headers(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    """Header names in lower case; repeated headers joined with ", "."""
    return {
        name.lower(): ", ".join(handler.headers.get_all(name) or [])
        for name in handler.headers.keys()  # noqa: SIM118 (a message, not a dict)
    }


class _EndpointHandler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        owner: LocalServer = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(
            self.command,
            self.path,
            _headers(self),
            self.rfile.read(length),
        )
        owner.seen.append(seen)
        reply = owner.answer(seen)
        if reply.hang:
            owner.released.wait(30)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = _handle


class LocalServer:
    """An HTTP (or, with ``tls``, HTTPS) server on 127.0.0.1 that records what it gets and
    answers with ``answer(seen)`` (200 "ok" by default)."""

    def __init__(
        self,
        answer: Callable[[Seen], Reply] | None = None,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.answer = answer or (lambda _: Reply())
        self.seen: list[Seen] = []
        self.released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _EndpointHandler)
        self._server.owner = self
        self.scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.port: int = self._server.server_address[1]
        self._thread = _start(self._server)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> LocalProxy:
        owner: LocalProxy = self.server.owner
        owner.seen.append(Seen(self.command, self.path, _headers(self), b""))
        return owner

    def do_CONNECT(self) -> None:
        owner = self._record()
        host, _, port = self.path.rpartition(":")
        if host not in (*LOCAL, TEST_HOST):
            self.send_error(403)
            return
        upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        with upstream, selectors.DefaultSelector() as selector:
            selector.register(self.connection, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, self.connection)
            while not owner.released.is_set():
                for key, _ in selector.select(timeout=0.05):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)

    def _forward(self) -> None:
        self._record()
        target = urlsplit(self.path)
        if target.hostname not in (*LOCAL, TEST_HOST) or target.port is None:
            self.send_error(403)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        skip = ("connection", "proxy-connection", "keep-alive")
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in skip and "proxy-" not in k
        }
        upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(self.command, path, body, headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward


class LocalProxy:
    """A forwarding proxy on 127.0.0.1 (plain requests and ``CONNECT``) that reaches only
    127.0.0.1; ``webhook.test`` is its name for 127.0.0.1. Records each request."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _ProxyHandler)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = _start(self._server)

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@dataclass(frozen=True)
class TLSFiles:
    """A test CA, a server certificate for ``webhook.test`` only, and a client certificate."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def server_context(
        self, *, client_certs: bool = False, max_version: ssl.TLSVersion | None = None
    ) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_cert, self.server_key)
        if client_certs:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=self.ca)
        if max_version is not None:
            context.maximum_version = max_version
        return context


def make_tls_files(directory: Path) -> TLSFiles:
    """Create the files with the ``openssl`` command (skips the test without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make test certificates")

    def run(*args: str) -> None:
        subprocess.run(
            [openssl, *args],
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            cwd=directory,
        )

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_usage = "keyUsage=critical,keyCertSign,cRLSign"
    run(
        "req",
        "-x509",
        *key,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=tocsin test CA",
        "-addext",
        ca_usage,
    )
    uses = {
        "server": "subjectAltName=DNS:webhook.test\nextendedKeyUsage=serverAuth",
        "client": "extendedKeyUsage=clientAuth",
    }
    for name, use in uses.items():
        (directory / f"{name}.ext").write_text(
            f"{use}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        )
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
        )
    return TLSFiles(
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
        directory / "client.pem",
        directory / "client.key",
    )
