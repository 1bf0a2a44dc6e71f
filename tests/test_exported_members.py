"""Each package's public surface is what its __init__ exports; pin it."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "tocsin.model": {
        "LABEL_NAME_RE",
        "Alert",
        "Clock",
        "CompiledRegex",
        "FakeClock",
        "Labels",
        "MatchType",
        "Matcher",
        "MatcherError",
        "Silence",
        "SilenceState",
        "SilenceWrite",
        "SystemClock",
        "compile_matcher_regex",
        "fingerprint",
        "fingerprint_int",
        "is_valid_label_name",
        "matcher_sort_key",
        "matchers_match",
        "expire_silence",
        "matchers_match_empty",
        "merge_alert",
        "plan_silence_write",
        "new_matcher",
        "parse_matcher",
        "parse_matchers",
    },
    "tocsin.intake": {"IntakeBatch", "IntakeRejected", "decode_postable_alerts"},
    "tocsin.store": {
        "AlertStore",
        "Database",
        "DatabaseOptions",
        "DeliveryQuery",
        "DispatchRows",
        "DispatchStore",
        "PutResult",
        "SilenceNotFound",
        "SilenceStore",
        "StoreError",
        "StoreLockedError",
        "StoreUnavailable",
        "sqlite_url_for",
    },
    "tocsin.pipeline": {
        "AggregationGroup",
        "Delivery",
        "FlushPlan",
        "GroupTable",
        "InhibitionIndex",
        "InhibitionRule",
        "Integration",
        "MuteReason",
        "Muter",
        "NotificationLog",
        "NotifyEntry",
        "NotifyKey",
        "RateLimiter",
        "RouteNode",
        "Silencer",
        "TimeIntervalMuter",
        "TimedRoute",
        "TokenBucket",
        "build_inhibition_rules",
        "build_routes",
        "group_id",
        "group_key",
        "group_labels",
        "interval_contains",
        "named_interval_active",
        "needs_update",
        "plan_flush",
        "receiver_integrations",
    },
    "tocsin.channels": {
        "Channel",
        "DeliveryError",
        "LogChannel",
        "Message",
        "SendResult",
        "Summary",
        "WebhookChannel",
        "build_http_client",
        "judge_status",
        "parse_retry_after",
        "webhook_target",
    },
    "tocsin.channels.twilio": {
        "DEFAULT_API_URL",
        "DEFAULT_TEXT",
        "ClientFactory",
        "TwilioChannel",
        "TwilioError",
        "is_e164",
        "mask_number",
        "one_line",
        "parse_error",
        "say_twice",
        "truncate",
        "twilio_target",
    },
    "tocsin.channels.webhook": {
        "GO_ZERO_TIME",
        "ClientFactory",
        "WebhookChannel",
        "compare_label_sets",
        "quote_meta",
        "sort_alerts",
        "webhook_payload",
        "webhook_target",
    },
    "tocsin.api": {"ApiContext", "ConfigView", "Metrics", "create_app"},
    "tocsin.runtime": {
        "FileClock",
        "ListenError",
        "ServeOptions",
        "Server",
        "TestClockRefused",
        "clock_from_environment",
        "config_view",
    },
    "tocsin.cli": {"app", "main"},
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_package_exports_exactly_its_public_surface(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module.__all__) == PUBLIC[package]
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"


def test_config_exports_the_loader_and_dumps() -> None:
    config = importlib.import_module("tocsin.config")
    for name in (
        "Config",
        "ConfigError",
        "ConfigIssue",
        "load_config",
        "load_config_text",
        "alertmanager_yaml",
        "redacted_dict",
        "SeverityConfig",
    ):
        assert name in config.__all__
