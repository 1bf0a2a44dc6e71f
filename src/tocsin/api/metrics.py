"""The server's Prometheus metrics, in a registry of its own (no module-level singletons)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

__all__ = ["Metrics"]


class Metrics:
    """Every metric tocsin exports at ``/metrics``."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.alerts_received = Counter(
            "tocsin_alerts_received_total",
            "Alerts received on the Alertmanager API, by status when received.",
            ["status"],
            registry=r,
        )
        self.alerts_invalid = Counter(
            "tocsin_alerts_invalid_total",
            "Alerts refused by intake validation.",
            registry=r,
        )
        self.alerts_written = Counter(
            "tocsin_alerts_written_total",
            "Alerts committed to the store because they were new or changed.",
            registry=r,
        )
        self.alerts_refreshed = Counter(
            "tocsin_alerts_refreshed_total",
            "Unchanged re-posted alerts whose end was only pushed later (batched writes).",
            registry=r,
        )
        self.alerts_refresh_rows = Counter(
            "tocsin_alerts_refresh_rows_written_total",
            "Rows written to store refreshed endsAt values (batched, only when needed).",
            registry=r,
        )
        self.alerts = Gauge(
            "tocsin_alerts",
            "Alerts held in the store, by state.",
            ["state"],
            registry=r,
        )
        self.intake_latency = Histogram(
            "tocsin_intake_request_duration_seconds",
            "Time to validate and commit one POST /api/v2/alerts request.",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )
        self.store_commits = Histogram(
            "tocsin_store_commit_operations",
            "Write operations grouped into one database commit.",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=r,
        )
        self.store_errors = Counter(
            "tocsin_store_errors_total",
            "Database writes that failed.",
            registry=r,
        )
        self.config_last_reload_successful = Gauge(
            "tocsin_config_last_reload_successful",
            "Whether the last configuration reload succeeded (1) or failed (0).",
            registry=r,
        )
        self.config_last_reload_success_timestamp = Gauge(
            "tocsin_config_last_reload_success_timestamp_seconds",
            "When the configuration was last loaded successfully.",
            registry=r,
        )
        self.config_hash = Gauge(
            "tocsin_config_hash",
            "A hash of the loaded configuration file.",
            registry=r,
        )
        self.unsupported_flushes = Counter(
            "tocsin_unsupported_integration_flushes_total",
            "Flushes to integrations tocsin cannot send (--allow-unsupported-receivers).",
            ["integration"],
            registry=r,
        )
        self.groups = Gauge(
            "tocsin_aggregation_groups",
            "Aggregation groups held by the dispatcher.",
            registry=r,
        )
        self.flushes = Counter(
            "tocsin_group_flushes_total",
            "Group flushes (ticks) run by the dispatcher.",
            registry=r,
        )
        self.alerts_muted = Counter(
            "tocsin_alerts_suppressed_total",
            "Alerts left out of a flush by inhibition, time intervals or silences.",
            registry=r,
        )
        self.notifications = Counter(
            "tocsin_notifications_total",
            "Notification delivery attempts, by integration and outcome.",
            ["integration", "outcome"],
            registry=r,
        )
        self.notification_latency = Histogram(
            "tocsin_notification_latency_seconds",
            "Time from a flush to the delivery of its notification.",
            ["integration"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=r,
        )
        self.rate_limited = Counter(
            "tocsin_notifications_rate_limited_total",
            "Notifications a rate limit held back, by integration.",
            ["integration"],
            registry=r,
        )
        self.summarised = Counter(
            "tocsin_notifications_summarised_total",
            "Held-back notifications carried by a later message's summary, by integration.",
            ["integration"],
            registry=r,
        )
        self.fallbacks = Counter(
            "tocsin_notification_fallbacks_total",
            "Notifications handed to a receiver's fallbacks, by the primary's integration.",
            ["integration"],
            registry=r,
        )
        self.escalation_steps = Counter(
            "tocsin_escalation_steps_total",
            "Escalation levels reached (each step that paged someone).",
            registry=r,
        )
        self.oncall_gaps = Counter(
            "tocsin_escalation_gaps_total",
            "Escalation levels that reached nobody (no one on call): the next level went at once.",
            registry=r,
        )
        self.open_incidents = Gauge(
            "tocsin_open_incidents",
            "Incidents triggered or acknowledged.",
            registry=r,
        )
        self.template_failures = Counter(
            "tocsin_template_render_failures_total",
            "Template renders that failed at send time (the default text was sent).",
            registry=r,
        )
        self.outbox = Gauge(
            "tocsin_outbox_pending",
            "Notifications stored in the outbox and not yet delivered.",
            registry=r,
        )
        self.lease_held = Gauge(
            "tocsin_dispatch_lease_held",
            "Whether this server holds the dispatch lease and sends notifications (1).",
            registry=r,
        )
        self.ready = Gauge(
            "tocsin_ready",
            "Whether stored state is loaded and the server is ready (1) or not (0).",
            registry=r,
        )
