"""Running a real ``tocsin serve`` process in end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.support.ports import free_port

__all__ = ["TocsinProcess", "start_tocsin"]


@dataclass
class TocsinProcess:
    """A tocsin server started by a test; stopped by PID."""

    config: Path
    data_dir: Path
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    extra_args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tocsin exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise TimeoutError(f"tocsin not ready after {timeout}s:\n{self.log()}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start_tocsin(
    config: Path,
    data_dir: Path,
    *,
    port: int | None = None,
    args: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    wait: bool = True,
) -> TocsinProcess:
    """Start ``tocsin serve``; waits until ready unless ``wait`` is false."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"tocsin-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "tocsin",
        "serve",
        "--config",
        str(config),
        "--listen",
        f"127.0.0.1:{port}",
        "--data-dir",
        str(data_dir),
        *(args or []),
    ]
    full_env = {**os.environ, **(env or {})}
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=full_env)
    server = TocsinProcess(config, data_dir, port, proc, log_path, list(args or []))
    if wait:
        try:
            server.wait_ready()
        except BaseException:
            server.stop()
            raise
    return server
