"""Distinct, realistic firing alerts, pre-serialised into request bodies.

Every alert ``i`` gets the alert name ``ALERTNAMES[i % len(ALERTNAMES)]`` and a host derived
from ``i // len(ALERTNAMES)``, so the ``(alertname, instance)`` pair, and hence the label set,
is unique for each ``i``. The other labels and the annotations are drawn from a seeded
generator, so the same arguments give the same alerts (apart from ``startsAt``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = [
    "ALERTNAMES",
    "Workload",
    "batches",
    "make_alerts",
    "make_grouped_alerts",
    "make_workload",
    "rfc3339",
]

# (alertname, severity, summary template, description template)
_RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "HostDown",
        "critical",
        "Host {host} is down",
        "{instance} of job {job} has not answered scrapes for more than 5 minutes.",
    ),
    (
        "HostHighCpuLoad",
        "warning",
        "High CPU load on {host}",
        "CPU load on {instance} is above 85% for 10 minutes (current value: {value}%).",
    ),
    (
        "HostOutOfMemory",
        "critical",
        "Host {host} is out of memory",
        "Available memory on {instance} is below 5% (current value: {value}%).",
    ),
    (
        "HostMemoryUnderPressure",
        "warning",
        "Memory pressure on {host}",
        "{instance} has a high rate of major page faults ({value}/s) for 15 minutes.",
    ),
    (
        "HostOutOfDiskSpace",
        "critical",
        "Disk almost full on {host}",
        "Filesystem / on {instance} has less than 10% space left (current value: {value}%).",
    ),
    (
        "HostDiskWillFillIn24Hours",
        "warning",
        "Disk on {host} will fill within 24h",
        "At the current write rate, filesystem /var on {instance} fills up within 24 hours.",
    ),
    (
        "HostOutOfInodes",
        "warning",
        "Inodes almost exhausted on {host}",
        "Filesystem /var on {instance} has less than 10% inodes left (current value: {value}%).",
    ),
    (
        "HostUnusualDiskReadLatency",
        "warning",
        "Unusual disk read latency on {host}",
        "Disk read latency on {instance} is above 100 ms (current value: {value} ms).",
    ),
    (
        "HostUnusualDiskWriteLatency",
        "warning",
        "Unusual disk write latency on {host}",
        "Disk write latency on {instance} is above 100 ms (current value: {value} ms).",
    ),
    (
        "HostNetworkReceiveErrors",
        "warning",
        "Network receive errors on {host}",
        "Interface eth0 on {instance} saw {value} receive errors in the last 2 minutes.",
    ),
    (
        "HostNetworkTransmitErrors",
        "warning",
        "Network transmit errors on {host}",
        "Interface eth0 on {instance} saw {value} transmit errors in the last 2 minutes.",
    ),
    (
        "HostClockSkew",
        "warning",
        "Clock skew on {host}",
        "Clock on {instance} is out of sync by more than 50 ms (offset: {value} ms).",
    ),
    (
        "HostClockNotSynchronising",
        "warning",
        "Clock not synchronising on {host}",
        "NTP on {instance} has not synchronised for more than 10 minutes.",
    ),
    (
        "HostOomKillDetected",
        "warning",
        "OOM kill detected on {host}",
        "The kernel OOM killer terminated {value} processes on {instance} in the last 5 minutes.",
    ),
    (
        "HostSystemdServiceCrashed",
        "warning",
        "A systemd unit crashed on {host}",
        "Unit {service}.service on {instance} entered the failed state.",
    ),
    (
        "HostEdacUncorrectableErrors",
        "critical",
        "Uncorrectable ECC errors on {host}",
        "{instance} reported {value} uncorrectable memory errors in the last 5 minutes.",
    ),
    (
        "HostConntrackLimit",
        "warning",
        "Conntrack table almost full on {host}",
        "The conntrack table on {instance} is at {value}% of its limit.",
    ),
    (
        "HostRequiresReboot",
        "info",
        "{host} requires a reboot",
        "{instance} has pending kernel updates that need a reboot to take effect.",
    ),
    (
        "HostSwapIsFillingUp",
        "warning",
        "Swap is filling up on {host}",
        "Swap on {instance} is more than 80% used (current value: {value}%).",
    ),
    (
        "HostCpuStealNoisyNeighbour",
        "warning",
        "CPU steal on {host}",
        "CPU steal on {instance} is above 10% (current value: {value}%): a noisy neighbour.",
    ),
    (
        "PrometheusTargetMissing",
        "critical",
        "Prometheus target missing: {instance}",
        "A target of job {job} has disappeared; an exporter might have crashed.",
    ),
    (
        "PrometheusRuleEvaluationFailures",
        "critical",
        "Rule evaluation failures on {host}",
        "Prometheus on {instance} failed to evaluate {value} rules in the last 3 minutes.",
    ),
    (
        "PrometheusTsdbCompactionsFailed",
        "critical",
        "TSDB compactions failed on {host}",
        "Prometheus on {instance} had {value} failed compactions in the last 3 hours.",
    ),
    (
        "PrometheusNotificationsBacklog",
        "warning",
        "Notification backlog on {host}",
        "The Prometheus notification queue on {instance} has not been empty for 10 minutes.",
    ),
    (
        "BlackboxProbeFailed",
        "critical",
        "Probe failed for {service}",
        "The blackbox probe of {service} from {instance} failed for 2 minutes.",
    ),
    (
        "BlackboxSlowProbe",
        "warning",
        "Slow probe for {service}",
        "The blackbox probe of {service} from {instance} took {value} ms on average.",
    ),
    (
        "BlackboxSslCertificateWillExpireSoon",
        "warning",
        "TLS certificate of {service} expires soon",
        "The certificate served by {service} expires in {value} days.",
    ),
    (
        "HttpHighErrorRate",
        "critical",
        "High HTTP 5xx rate on {service}",
        "{service} on {instance} answers {value}% of requests with a 5xx status.",
    ),
    (
        "HttpHighLatencyP99",
        "warning",
        "High p99 latency on {service}",
        "p99 latency of {service} on {instance} is {value} ms, above the 500 ms objective.",
    ),
    (
        "ErrorBudgetBurnFast",
        "critical",
        "{service} is burning its error budget fast",
        "{service} burns its 30-day error budget {value}x faster than sustainable (1h window).",
    ),
    (
        "ErrorBudgetBurnSlow",
        "warning",
        "{service} is burning its error budget",
        "{service} burns its 30-day error budget {value}x faster than sustainable (6h window).",
    ),
    (
        "KubePodCrashLooping",
        "warning",
        "Pod of {service} is crash looping",
        "A pod of {service} on {instance} restarted {value} times in the last 15 minutes.",
    ),
    (
        "KubePodNotReady",
        "warning",
        "Pod of {service} not ready",
        "A pod of {service} on {instance} has been in a non-ready state for 15 minutes.",
    ),
    (
        "KubeDeploymentReplicasMismatch",
        "warning",
        "Replicas mismatch for {service}",
        "Deployment {service} has not matched the expected number of replicas for 15 minutes.",
    ),
    (
        "KubeContainerOOMKilled",
        "warning",
        "Container of {service} was OOM killed",
        "A container of {service} on {instance} was OOM killed {value} times in 10 minutes.",
    ),
    (
        "KubeNodeNotReady",
        "critical",
        "Kubernetes node {host} is not ready",
        "{host} has been unready for more than 15 minutes.",
    ),
    (
        "KubePersistentVolumeFillingUp",
        "warning",
        "Volume of {service} is filling up",
        "A persistent volume of {service} has only {value}% free space left.",
    ),
    (
        "KubeJobFailed",
        "warning",
        "Job of {service} failed",
        "A job of {service} failed to complete; see the pod logs for details.",
    ),
    (
        "PostgresqlDown",
        "critical",
        "PostgreSQL down on {host}",
        "The PostgreSQL instance of {service} on {instance} is down.",
    ),
    (
        "PostgresqlReplicationLag",
        "warning",
        "PostgreSQL replication lag on {host}",
        "The replica of {service} on {instance} lags {value} s behind its primary.",
    ),
    (
        "PostgresqlTooManyConnections",
        "warning",
        "Too many PostgreSQL connections on {host}",
        "{service} on {instance} uses {value}% of max_connections.",
    ),
    (
        "PostgresqlDeadLocks",
        "warning",
        "PostgreSQL deadlocks on {host}",
        "{service} on {instance} saw {value} deadlocks in the last minute.",
    ),
    (
        "RedisDown",
        "critical",
        "Redis down on {host}",
        "The Redis instance of {service} on {instance} is down.",
    ),
    (
        "RedisOutOfMemory",
        "warning",
        "Redis of {service} is running out of memory",
        "Redis on {instance} uses {value}% of its maxmemory.",
    ),
    (
        "RedisRejectedConnections",
        "critical",
        "Redis rejects connections on {host}",
        "Redis of {service} on {instance} rejected {value} connections in the last minute.",
    ),
    (
        "KafkaConsumerGroupLag",
        "warning",
        "Consumer lag for {service}",
        "The consumer group of {service} lags {value} messages behind on its topics.",
    ),
    (
        "RabbitmqTooManyUnackMessages",
        "warning",
        "Unacknowledged messages on {host}",
        "RabbitMQ on {instance} holds {value} unacknowledged messages for {service}.",
    ),
    (
        "NginxHighHttp4xxErrorRate",
        "warning",
        "High 4xx rate on {service}",
        "nginx on {instance} answers {value}% of requests for {service} with a 4xx status.",
    ),
    (
        "JvmHeapUsageHigh",
        "warning",
        "JVM heap usage high in {service}",
        "The JVM of {service} on {instance} uses {value}% of its maximum heap.",
    ),
    (
        "CertManagerCertificateNotReady",
        "critical",
        "Certificate of {service} not ready",
        "cert-manager could not renew the certificate of {service} for 10 minutes.",
    ),
)
ALERTNAMES: tuple[str, ...] = tuple(rule[0] for rule in _RULES)

# (job, port, services)
_JOBS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("node", 9100, ("checkout", "payments", "search", "catalog", "auth", "billing")),
    ("postgres", 9187, ("orders-db", "users-db", "billing-db", "inventory-db")),
    ("redis", 9121, ("session-cache", "rate-limiter", "cart-cache")),
    ("kube-state-metrics", 8080, ("frontend", "api-gateway", "recommendations", "mailer")),
    ("blackbox", 9115, ("www", "api", "status-page", "login")),
    ("api", 8443, ("api-gateway", "checkout", "payments", "search")),
    ("kafka", 9308, ("events", "clickstream", "audit-log")),
    ("jvm", 9404, ("ledger", "reporting", "fraud-detection")),
)
_TEAMS = ("platform", "payments", "search", "storage", "identity", "growth", "sre", "data")
_ENVS = ("production", "production", "production", "staging", "canary")
_REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1")


def _host(n: int) -> str:
    """A realistic EC2-style host name, distinct for every ``n`` below 2**24."""
    region = _REGIONS[n % len(_REGIONS)]
    return f"ip-10-{(n >> 16) & 0xFF}-{(n >> 8) & 0xFF}-{n & 0xFF}.{region}.compute.internal"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_alerts(count: int, *, seed: int = 1, now: datetime | None = None) -> list[dict[str, Any]]:
    """``count`` distinct firing alerts in the ``POST /api/v2/alerts`` wire format."""
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    starts_at = rfc3339(now or datetime.now(UTC))
    alerts: list[dict[str, Any]] = []
    nrules = len(_RULES)
    for i in range(count):
        alertname, severity, summary, description = _RULES[i % nrules]
        host_n = i // nrules
        job, port, services = _JOBS[host_n % len(_JOBS)]
        host = _host(host_n)
        instance = f"{host}:{port}"
        service = services[rng.randrange(len(services))]
        fields = {
            "host": host,
            "instance": instance,
            "job": job,
            "service": service,
            "value": f"{rng.uniform(1, 99):.1f}",
        }
        slug = alertname.lower()
        alerts.append(
            {
                "labels": {
                    "alertname": alertname,
                    "job": job,
                    "instance": instance,
                    "service": service,
                    "team": _TEAMS[(host_n * 7 + i) % len(_TEAMS)],
                    "severity": severity,
                    "env": _ENVS[host_n % len(_ENVS)],
                },
                "annotations": {
                    "summary": summary.format(**fields),
                    "description": description.format(**fields)
                    + " Check the dashboard and recent deploys before escalating.",
                    "runbook_url": f"https://runbooks.example.com/alerts/{slug}.md#{job}",
                },
                "startsAt": starts_at,
                "generatorURL": (
                    "http://prometheus-0.monitoring.svc:9090/graph?g0.expr="
                    f"ALERTS%7Balertname%3D%22{alertname}%22%7D&g0.tab=1"
                ),
            }
        )
    return alerts


def make_grouped_alerts(
    count: int, groups: int, *, seed: int = 1, now: datetime | None = None
) -> list[dict[str, Any]]:
    """``count`` distinct firing alerts spread evenly over ``groups`` ``(alertname, service)``.

    Alert ``i`` belongs to group ``g = i % groups``: its ``alertname`` is
    ``ALERTNAMES[g % len(ALERTNAMES)]`` and its ``service`` ``svc-{g // len(ALERTNAMES)}``;
    its ``instance`` is derived from ``i // groups``, which keeps the label sets distinct.
    """
    if groups < 1:
        raise ValueError("groups must be at least 1")
    alerts = make_alerts(count, seed=seed, now=now)
    nnames = len(ALERTNAMES)
    for i, alert in enumerate(alerts):
        member, group = divmod(i, groups)
        labels = alert["labels"]
        port = labels["instance"].rpartition(":")[2]
        labels["alertname"] = ALERTNAMES[group % nnames]
        labels["service"] = f"svc-{group // nnames}"
        labels["instance"] = f"{_host(member)}:{port}"
    return alerts


def batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """``items`` in consecutive slices of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class Workload:
    """Request bodies serialised before the clock starts."""

    bodies: tuple[bytes, ...]
    sizes: tuple[int, ...]
    """Alerts in each body."""
    alerts: int
    batch: int

    @property
    def total_bytes(self) -> int:
        return sum(len(body) for body in self.bodies)


def make_workload(count: int, batch: int, *, seed: int = 1) -> Workload:
    """``count`` alerts as JSON array bodies of ``batch`` alerts each."""
    alerts = make_alerts(count, seed=seed)
    chunks = list(batches(alerts, batch))
    return Workload(
        bodies=tuple(orjson.dumps(chunk) for chunk in chunks),
        sizes=tuple(len(chunk) for chunk in chunks),
        alerts=count,
        batch=batch,
    )
