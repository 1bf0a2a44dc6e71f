"""The severity model and the package's public surface."""

from __future__ import annotations

import pytest

import tocsin.config
from tocsin.config import SeverityConfig, load_config_text


def severity_of(text: str) -> SeverityConfig:
    config = load_config_text("route: {receiver: r}\nreceivers: [{name: r}]\n" + text, env={})
    return config.severity


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("critical", "P0"),
        ("CRITICAL", "P0"),
        ("high", "P1"),
        ("error", "P1"),
        ("warning", "P2"),
        ("medium", "P2"),
        ("info", "P3"),
        ("low", "P3"),
        ("whatever", "P3"),
        ("", "P3"),
    ],
)
def test_default_levels(value: str, level: str) -> None:
    assert severity_of("").level_of({"severity": value}) == level


def test_alerts_without_the_label_are_p3() -> None:
    assert severity_of("").level_of({"alertname": "X"}) == "P3"


def test_label_and_levels_are_configurable() -> None:
    severity = severity_of("severity:\n  label: prio\n  levels: {P0: [Sev1], P2: [sev2]}\n")
    assert severity.level_of({"prio": "sev1"}) == "P0"
    assert severity.level_of({"prio": "SEV2"}) == "P2"
    assert severity.level_of({"severity": "critical"}) == "P3"


def test_public_surface() -> None:
    assert sorted(tocsin.config.__all__) == sorted(
        [
            "ContactMethod",
            "EscalationLevel",
            "EscalationPolicy",
            "EscalationTarget",
            "Layer",
            "NotificationRule",
            "Override",
            "Participant",
            "Schedule",
            "SeverityLevels",
            "Team",
            "User",
            "interval_contains",
            "named_interval_active",
            "RECEIVER_TYPES",
            "RESERVED_SECTIONS",
            "SEVERITY_LEVELS",
            "SUPPORTED_RECEIVER_TYPES",
            "AnchoredRegex",
            "Authorization",
            "BasicAuth",
            "Config",
            "ConfigError",
            "ConfigIssue",
            "DayOfMonthRange",
            "Duration",
            "GlobalConfig",
            "GoDuration",
            "HTTPClientConfig",
            "InhibitRule",
            "MonthRange",
            "NamedTimeInterval",
            "NotifierConfig",
            "OAuth2",
            "Rate",
            "RateLimit",
            "Receiver",
            "RetryPolicy",
            "Route",
            "Secret",
            "SeverityConfig",
            "TLSConfig",
            "TimeInterval",
            "TimeRange",
            "WeekdayRange",
            "YearRange",
            "alertmanager_yaml",
            "load_config",
            "load_config_text",
            "redacted_dict",
        ]
    )
    for name in tocsin.config.__all__:
        assert hasattr(tocsin.config, name)


def test_supported_types_are_registered() -> None:
    assert set(tocsin.config.RECEIVER_TYPES) >= tocsin.config.SUPPORTED_RECEIVER_TYPES
    assert "webhook_configs" in tocsin.config.SUPPORTED_RECEIVER_TYPES
    assert "opsgenie_configs" not in tocsin.config.SUPPORTED_RECEIVER_TYPES
