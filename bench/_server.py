"""Starting and stopping the servers under test, and the webhook sink they are routed to.

Every process started here gets its own session (hence its own process group) and is
stopped by its PID's group: SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

__all__ = [
    "ServerSpec",
    "ServerStartError",
    "Sink",
    "StartedServer",
    "free_port",
    "parse_server_spec",
    "render_command",
    "stop_process_group",
    "write_config",
]

STOP_GRACE_SECONDS = 5.0
PLACEHOLDERS = ("{config}", "{port}", "{datadir}")


class ServerStartError(RuntimeError):
    """The server did not become ready."""


@dataclass(frozen=True, slots=True)
class ServerSpec:
    name: str
    template: str


def parse_server_spec(text: str) -> ServerSpec:
    """``NAME=TEMPLATE`` (the template may itself contain ``=``)."""
    name, sep, template = text.partition("=")
    name = name.strip()
    if not sep or not name or not template.strip():
        raise ValueError(f"--server expects NAME=COMMAND TEMPLATE, got {text!r}")
    if "{port}" not in template:
        raise ValueError(f"--server {name}: the template must contain {{port}}")
    return ServerSpec(name=name, template=template.strip())


def render_command(template: str, *, config: Path, port: int, datadir: Path) -> list[str]:
    """Split the template like a shell would, then fill the placeholders in each word."""
    values = {"{config}": str(config), "{port}": str(port), "{datadir}": str(datadir)}
    words: list[str] = []
    for word in shlex.split(template):
        filled = word
        for key, value in values.items():
            filled = filled.replace(key, value)
        words.append(filled)
    return words


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, sink_port: int) -> None:
    """One route to the sink; timers long enough that nothing is flushed during the bench."""
    path.write_text(
        f"""\
global:
  resolve_timeout: 5m
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:{sink_port}/
        send_resolved: false
"""
    )


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the process group led by ``proc``; SIGKILL whatever is left after ``grace``."""
    pgid = proc.pid  # start_new_session=True makes the child its group's leader
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            proc.wait(timeout=grace)
    # Members of the group that outlived their leader.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, 0)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            time.sleep(0.05)
            os.killpg(pgid, 0)
        os.killpg(pgid, signal.SIGKILL)


class Sink:
    """The webhook receiver, as a separate process answering 200 to everything."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self, timeout: float = 10.0) -> int:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._sink"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        deadline = time.monotonic() + timeout
        buf = b""
        while time.monotonic() < deadline and b"\n" not in buf:
            chunk = self.proc.stdout.read()
            if chunk:
                buf += chunk
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if b"\n" not in buf:
            self.stop()
            raise ServerStartError("the webhook sink did not start")
        self.port = int(buf.split(b"\n", 1)[0])
        return self.port

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_group(self.proc)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


class StartedServer:
    """A server under test, started from its command template in its own process group."""

    def __init__(self, spec: ServerSpec, workdir: Path, sink_port: int) -> None:
        self.spec = spec
        self.workdir = workdir
        self.config = workdir / "config.yml"
        self.datadir = workdir / "data"
        self.log_path = workdir / "server.log"
        self.port = 0
        self.command: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.datadir.mkdir(parents=True, exist_ok=True)
        write_config(self.config, sink_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, ready_timeout: float) -> float:
        """Start the server and wait for ``GET /-/ready`` → 200; the seconds it took."""
        self.port = free_port()
        self.command = render_command(
            self.spec.template, config=self.config, port=self.port, datadir=self.datadir
        )
        self._log = self.log_path.open("wb")
        started = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise ServerStartError(
                f"{self.spec.name}: cannot run {self.command[0]}: {exc}"
            ) from exc
        deadline = started + ready_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                if self.proc.poll() is not None:
                    raise ServerStartError(
                        f"{self.spec.name} exited with {self.proc.returncode} before it was "
                        f"ready:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.base_url}/-/ready").status_code == 200:
                        return time.monotonic() - started
                if time.monotonic() > deadline:
                    raise ServerStartError(
                        f"{self.spec.name} not ready within {ready_timeout:g} s:\n{self.log_tail()}"
                    )
                time.sleep(0.05)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> int | None:
        """Stop the process group; the server's exit code (None if it was never started)."""
        code = None
        if self.proc is not None:
            stop_process_group(self.proc)
            code = self.proc.returncode
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code
