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
import orjson

from bench._procfs import live_group_members

__all__ = [
    "Notification",
    "ServerSpec",
    "ServerStartError",
    "Sink",
    "StartedServer",
    "config_duration",
    "free_port",
    "kill_process_group",
    "parse_server_spec",
    "render_command",
    "render_config",
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
    program = Path(shlex.split(template)[0]).name
    if "alertmanager" in program and "--cluster.listen-address" not in template:
        # Without it Alertmanager gossips on 0.0.0.0:9094, and two of them would meet.
        raise ValueError(f"--server {name}: Alertmanager needs --cluster.listen-address=")
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


def config_duration(seconds: float) -> str:
    """``seconds`` as a duration Alertmanager's configuration accepts (whole units only)."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{round(seconds * 1000)}ms"


def render_config(
    sink_url: str,
    *,
    group_by: tuple[str, ...] = ("alertname",),
    group_wait: str = "1h",
    group_interval: str = "1h",
    repeat_interval: str = "24h",
) -> str:
    """A configuration with one route, to a webhook receiver that posts to ``sink_url``."""
    labels = ", ".join(f"'{label}'" for label in group_by)
    return f"""\
global:
  resolve_timeout: 5m
route:
  receiver: sink
  group_by: [{labels}]
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: {repeat_interval}
receivers:
  - name: sink
    webhook_configs:
      - url: {sink_url}
        send_resolved: false
"""


def write_config(path: Path, sink_port: int) -> None:
    """One route to the sink; timers long enough that nothing is flushed during the bench."""
    path.write_text(render_config(f"http://127.0.0.1:{sink_port}/"))


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
    _reap_group(pgid, grace)


def kill_process_group(proc: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGKILL the whole process group led by ``proc`` at once, as a crash would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=grace)
    _reap_group(proc.pid, grace)


def _reap_group(pgid: int, grace: float) -> None:
    """SIGKILL members of the group that outlive their leader by ``grace`` seconds.

    Zombies do not count: they hold no resources, and their reaping is their parent's job.
    """
    deadline = time.monotonic() + grace
    while live_group_members(pgid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(0.02)


@dataclass(frozen=True, slots=True)
class Notification:
    """One webhook notification as the sink recorded it."""

    t: float
    """Arrival time on ``bench._sink.clock()``."""
    group_key: str | None
    status: str | None
    group_labels: dict[str, str]
    alerts: tuple[str, ...]
    """The fingerprint of every alert it carried."""


class Sink:
    """The webhook sink (``bench._sink``) in a process of its own, and a client for it."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._client: httpx.Client | None = None

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
        self._client = httpx.Client(timeout=30.0, trust_env=False)
        return self.port

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def url(self, path: str) -> str:
        """The webhook URL whose notifications are recorded under ``path``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def notifications(self, path: str, start: int = 0) -> list[Notification]:
        """The notifications posted to ``path``, from the ``start``-th on, in arrival order."""
        assert self._client is not None, "the sink is not started"
        response = self._client.get(self.url(path), params={"from": start})
        response.raise_for_status()
        return [
            Notification(
                t=record["t"],
                group_key=record["group_key"],
                status=record["status"],
                group_labels=record["group_labels"],
                alerts=tuple(record["alerts"]),
            )
            for record in orjson.loads(response.content)
        ]

    def forget(self, path: str) -> None:
        if self._client is not None:
            self._client.delete(self.url(path)).raise_for_status()

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.proc is not None:
            stop_process_group(self.proc)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


class StartedServer:
    """A server under test, started from its command template in its own process group.

    ``config_text`` is written as its configuration; without it, :func:`write_config`'s.
    """

    def __init__(
        self, spec: ServerSpec, workdir: Path, sink_port: int, config_text: str | None = None
    ) -> None:
        self.spec = spec
        self.workdir = workdir
        self.config = workdir / "config.yml"
        self.datadir = workdir / "data"
        self.log_path = workdir / "server.log"
        self.port = 0
        self.started_at = 0.0
        """``time.monotonic()`` when the current process was started."""
        self.command: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.datadir.mkdir(parents=True, exist_ok=True)
        if config_text is None:
            write_config(self.config, sink_port)
        else:
            self.config.write_text(config_text)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, ready_timeout: float, *, port: int | None = None) -> float:
        """Start the server and wait for ``GET /-/ready`` → 200; the seconds it took.

        ``port``: listen there (a restart) instead of on a new free port.
        """
        self.port = port or free_port()
        self.command = render_command(
            self.spec.template, config=self.config, port=self.port, datadir=self.datadir
        )
        if self._log is None:
            self._log = self.log_path.open("ab")
        started = self.started_at = time.monotonic()
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
                time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL the whole process group at once, as a crash or an OOM kill would."""
        if self.proc is not None:
            kill_process_group(self.proc)
            self.proc = None

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
