"""Starting and stopping the real programs tests run (Alertmanager, Prometheus, PostgreSQL)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from pathlib import Path

import httpx

__all__ = ["read_log", "stop_process", "wait_http_ready"]


def stop_process(
    proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 5.0
) -> None:
    """Stop by PID with ``sig``, then SIGKILL if it does not exit within ``timeout``."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def read_log(path: Path) -> str:
    """A process's log for an error message ("" when there is none)."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def wait_http_ready(
    proc: subprocess.Popen[bytes],
    url: str,
    log_path: Path,
    *,
    name: str,
    error: type[Exception],
    timeout: float,
) -> None:
    """Return once ``url`` answers 200; raise ``error`` with the log if the process dies
    or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while True:
            code = proc.poll()
            if code is not None:
                raise error(
                    f"{name} exited with status {code} before it was ready; "
                    f"log:\n{read_log(log_path)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise error(
                    f"{name} was not ready after {timeout:.0f} s; log:\n{read_log(log_path)}"
                )
            time.sleep(0.05)
