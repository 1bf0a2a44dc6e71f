"""Run the real Prometheus Alertmanager (the reference) for differential tests.

Usage::

    with running_alertmanager(CONFIG_YAML) as am:
        httpx.get(f"{am.url}/api/v2/alerts")

The process listens on 127.0.0.1 only, with clustering disabled (otherwise it binds a gossip
port on 0.0.0.0:9094 and waits for gossip to settle), keeps its data in a temporary directory,
and is stopped by its PID when the block ends: SIGTERM, then SIGKILL after 5 s.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from .binaries import require_binary
from .ports import free_port
from .processes import stop_process, wait_http_ready

__all__ = [
    "ALERTMANAGER_BINARY",
    "CONFIG_FILE_NAME",
    "WEBHOOK_CONFIG",
    "AlertmanagerError",
    "AlertmanagerProcess",
    "running_alertmanager",
]

WEBHOOK_CONFIG = """\
route:
  receiver: hook
  group_wait: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:9/
"""
"""A minimal valid config whose only receiver is a webhook to a closed local port."""

ALERTMANAGER_BINARY = "prometheus-alertmanager"
CONFIG_FILE_NAME = "alertmanager.yml"
"""The name of the configuration file in :attr:`AlertmanagerProcess.workdir`."""
_READY_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
_PORT_ATTEMPTS = 3


class AlertmanagerError(RuntimeError):
    """The reference Alertmanager did not start or did not become ready."""


@dataclass(frozen=True, slots=True)
class AlertmanagerProcess:
    """A running reference Alertmanager."""

    url: str
    port: int
    pid: int
    workdir: Path

    def client(self, timeout: float = 10.0) -> httpx.Client:
        """An HTTP client for this instance; ignores proxy settings from the environment."""
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False)

    @property
    def config_path(self) -> Path:
        """The configuration file the process was started with."""
        return self.workdir / CONFIG_FILE_NAME

    def reload(self, config_text: str) -> None:
        """Rewrite the configuration file and apply it with ``POST /-/reload``.

        Raises :class:`AlertmanagerError` when Alertmanager refuses the new file (it then
        keeps the old configuration).
        """
        self.config_path.write_text(config_text)
        with self.client() as client:
            resp = client.post("/-/reload")
        if resp.status_code != 200:
            raise AlertmanagerError(
                f"reload refused with status {resp.status_code}: {resp.text.strip()}"
            )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    stop_process(proc, timeout=_STOP_TIMEOUT_S)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    wait_http_ready(
        proc,
        f"{url}/-/ready",
        log_path,
        name=ALERTMANAGER_BINARY,
        error=AlertmanagerError,
        timeout=_READY_TIMEOUT_S,
    )


@contextlib.contextmanager
def running_alertmanager(
    config_text: str, extra_args: tuple[str, ...] = ()
) -> Iterator[AlertmanagerProcess]:
    """Start the real Alertmanager with ``config_text`` and stop it when the block ends.

    Fails the test when the binary is not installed. Raises :class:`AlertmanagerError`, with
    the process's stderr, when it exits early or is not ready in time.
    """
    binary = require_binary(ALERTMANAGER_BINARY)
    with tempfile.TemporaryDirectory(prefix="tocsin-am-") as tmp:
        workdir = Path(tmp)
        config_path = workdir / CONFIG_FILE_NAME
        config_path.write_text(config_text)
        storage = workdir / "data"
        storage.mkdir()
        last_error: AlertmanagerError | None = None
        for attempt in range(_PORT_ATTEMPTS):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            stderr_path = workdir / f"stderr-{attempt}.log"
            with stderr_path.open("wb") as stderr:
                proc = subprocess.Popen(
                    [
                        binary,
                        f"--config.file={config_path}",
                        f"--storage.path={storage}",
                        f"--web.listen-address=127.0.0.1:{port}",
                        "--cluster.listen-address=",
                        *extra_args,
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            try:
                _wait_ready(proc, url, stderr_path)
            except AlertmanagerError as exc:
                _stop(proc)
                last_error = exc
                if "address already in use" in str(exc):
                    continue  # another process took the port between probe and bind
                raise
            except BaseException:
                _stop(proc)
                raise
            try:
                yield AlertmanagerProcess(url=url, port=port, pid=proc.pid, workdir=workdir)
            finally:
                _stop(proc)
            return
        assert last_error is not None
        raise last_error
