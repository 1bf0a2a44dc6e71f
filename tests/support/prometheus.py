"""Run the real Prometheus as an alert sender, and a metric the test can switch on and off.

Usage::

    with serving_switch(1) as switch, running_prometheus(
        alertmanager=f"127.0.0.1:{tocsin.port}", targets=[switch.target], rules=RULES
    ) as prom:
        ...  # Prometheus scrapes ``test_switch 1`` every second and sends firing alerts
        switch.set(0)  # the next evaluation resolves them

Prometheus listens on 127.0.0.1 only, evaluates and scrapes every second, re-sends alerts
every second (``--rules.alert.resend-delay=1s``, so a firing alert's ``endsAt`` is about
4 s ahead), keeps its data in a temporary directory, and is stopped by its PID when the
block ends: SIGTERM, then SIGKILL after 5 s. Its ``--web.external-url`` is its own
127.0.0.1 address, so the ``generatorURL`` of its alerts is predictable.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import yaml

from .binaries import require_binary
from .ports import free_port
from .processes import read_log, stop_process, wait_http_ready

__all__ = [
    "PROMETHEUS_BINARY",
    "SWITCH_JOB",
    "SWITCH_METRIC",
    "MetricSwitch",
    "PrometheusError",
    "PrometheusProcess",
    "generator_url",
    "running_prometheus",
    "serving_switch",
]

PROMETHEUS_BINARY = "prometheus"
SWITCH_METRIC = "test_switch"
SWITCH_JOB = "switch"
_READY_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
_PORT_ATTEMPTS = 3


class PrometheusError(RuntimeError):
    """Prometheus did not start or did not become ready."""


# --------------------------------------------------------------------------- metric switch


class MetricSwitch:
    """A tiny HTTP server on 127.0.0.1 whose ``/metrics`` serves one gauge the test sets."""

    def __init__(self, value: float = 1.0) -> None:
        self._value = value
        self._lock = threading.Lock()
        self.scrapes = 0
        switch = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != "/metrics":
                    self.send_error(404)
                    return
                body = switch.exposition().encode()
                with switch._lock:
                    switch.scrapes += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def target(self) -> str:
        """The scrape target, ``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    @property
    def value(self) -> float:
        with self._lock:
            return self._value

    def set(self, value: float) -> None:
        """Serve ``value`` from the next scrape on."""
        with self._lock:
            self._value = value

    def exposition(self) -> str:
        value = self.value
        text = repr(float(value)) if value != int(value) else str(int(value))
        return (
            f"# HELP {SWITCH_METRIC} A value the test switches.\n"
            f"# TYPE {SWITCH_METRIC} gauge\n"
            f"{SWITCH_METRIC} {text}\n"
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@contextlib.contextmanager
def serving_switch(value: float = 1.0) -> Iterator[MetricSwitch]:
    """Serve ``test_switch VALUE`` on 127.0.0.1 (a free port) until the block ends."""
    switch = MetricSwitch(value)
    switch.start()
    try:
        yield switch
    finally:
        switch.stop()


# --------------------------------------------------------------------------- Prometheus


@dataclass(frozen=True, slots=True)
class PrometheusProcess:
    """A running Prometheus."""

    url: str
    port: int
    pid: int
    workdir: Path
    log_path: Path

    def log(self) -> str:
        return read_log(self.log_path)

    def client(self, timeout: float = 10.0) -> httpx.Client:
        """An HTTP client for this instance; ignores proxy settings from the environment."""
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False)


def generator_url(prometheus_url: str, expr: str) -> str:
    """The ``generatorURL`` Prometheus 2.x puts on the alerts of a rule with ``expr``."""
    return f"{prometheus_url}/graph?g0.expr={quote_plus(expr)}&g0.tab=1"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    stop_process(proc, timeout=_STOP_TIMEOUT_S)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    wait_http_ready(
        proc,
        f"{url}/-/ready",
        log_path,
        name=PROMETHEUS_BINARY,
        error=PrometheusError,
        timeout=_READY_TIMEOUT_S,
    )


def prometheus_config(
    alertmanager: str,
    targets: Sequence[str],
    rule_file: Path,
    external_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Prometheus configuration: 1 s scrapes and evaluations, alerts to ``alertmanager``."""
    global_section: dict[str, Any] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    if external_labels:
        global_section["external_labels"] = dict(external_labels)
    return {
        "global": global_section,
        "rule_files": [str(rule_file)],
        "alerting": {
            "alertmanagers": [
                {
                    "api_version": "v2",
                    "timeout": "5s",
                    "static_configs": [{"targets": [alertmanager]}],
                }
            ]
        },
        "scrape_configs": [
            {
                "job_name": SWITCH_JOB,
                "scrape_interval": "1s",
                "scrape_timeout": "1s",
                "static_configs": [{"targets": list(targets)}],
            }
        ],
    }


@contextlib.contextmanager
def running_prometheus(
    *,
    alertmanager: str,
    targets: Sequence[str],
    rules: Sequence[Mapping[str, Any]],
    external_labels: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
) -> Iterator[PrometheusProcess]:
    """Start Prometheus sending to ``alertmanager`` (``HOST:PORT``) and stop it afterwards.

    ``targets`` are scraped by one job named ``switch``; ``rules`` are alerting rules (dicts
    with ``alert``, ``expr`` and optionally ``for``, ``labels``, ``annotations``) in one group.
    Skips the test when the binary is not installed. Raises :class:`PrometheusError`, with
    the process's log, when it exits early or is not ready in time.
    """
    binary = require_binary(PROMETHEUS_BINARY)
    with tempfile.TemporaryDirectory(prefix="tocsin-prom-") as tmp:
        workdir = Path(tmp)
        rule_file = workdir / "rules.yml"
        rule_file.write_text(
            yaml.safe_dump(
                {
                    "groups": [
                        {"name": "tocsin-e2e", "interval": "1s", "rules": list(map(dict, rules))}
                    ]
                },
                sort_keys=False,
            )
        )
        config_path = workdir / "prometheus.yml"
        config_path.write_text(
            yaml.safe_dump(
                prometheus_config(alertmanager, targets, rule_file, external_labels),
                sort_keys=False,
            )
        )
        last_error: PrometheusError | None = None
        for attempt in range(_PORT_ATTEMPTS):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            storage = workdir / f"data-{attempt}"
            log_path = workdir / f"prometheus-{attempt}.log"
            with log_path.open("wb") as log_file:
                proc = subprocess.Popen(
                    [
                        binary,
                        f"--config.file={config_path}",
                        f"--storage.tsdb.path={storage}",
                        "--storage.tsdb.retention.time=1h",
                        f"--web.listen-address=127.0.0.1:{port}",
                        f"--web.external-url={url}",
                        "--rules.alert.resend-delay=1s",
                        "--log.level=info",
                        *extra_args,
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    cwd=workdir,
                )
            try:
                _wait_ready(proc, url, log_path)
            except PrometheusError as exc:
                _stop(proc)
                last_error = exc
                if "address already in use" in str(exc):
                    continue  # another process took the port between probe and bind
                raise
            except BaseException:
                _stop(proc)
                raise
            try:
                yield PrometheusProcess(
                    url=url, port=port, pid=proc.pid, workdir=workdir, log_path=log_path
                )
            finally:
                _stop(proc)
            return
        assert last_error is not None
        raise last_error
