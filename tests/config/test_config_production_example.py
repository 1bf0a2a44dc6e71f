"""``examples/production.yml`` loads with its environment and keeps every secret secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.config import ConfigError, alertmanager_yaml, load_config, redacted_dict

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "production.yml"
ENV = {
    "SLACK_BOT_TOKEN": "xoxb-1111-example-bot-token",
    "SMTP_PASSWORD": "smtp-pass-example",
    "PAGERDUTY_ROUTING_KEY": "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00",
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "twilio-token-example",
    "TWILIO_FROM": "+14155550100",
    "ONCALL_PHONE": "+14155550199",
}
SECRETS = [
    "xoxb-1111-example-bot-token",
    "smtp-pass-example",
    "twilio-token-example",
    "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00",
]


def test_loads_with_its_environment() -> None:
    config = load_config(EXAMPLE, env=ENV)
    receivers = {r.name: r for r in config.receivers}
    assert receivers["team-slack"].fallback == ["team-email"]
    slack = receivers["team-slack"].slack_configs[0]
    assert slack.uses_web_api
    sms = receivers["oncall-sms"].twilio_configs[0]
    assert sms.account_sid == ENV["TWILIO_ACCOUNT_SID"]
    assert sms.rate_limit is not None
    assert sms.rate_limit.per_target is not None
    assert sms.rate_limit.per_target.seconds == 60.0


def test_no_secret_in_either_dump() -> None:
    config = load_config(EXAMPLE, env=ENV)
    text = alertmanager_yaml(config) + repr(redacted_dict(config))
    for secret in SECRETS:
        assert secret not in text
    assert "twilio_configs" not in alertmanager_yaml(config)
    assert "fallback: [team-email]" not in alertmanager_yaml(config)
    assert "team-email" in alertmanager_yaml(config)  # the receiver itself is there
    assert "slack_bot_token" not in alertmanager_yaml(config)


def test_a_missing_variable_is_an_error_with_its_position() -> None:
    env = {k: v for k, v in ENV.items() if k != "ONCALL_PHONE"}
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE, env=env)
    assert "ONCALL_PHONE" in str(info.value)
    assert "production.yml:" in str(info.value)


def test_slack_through_the_web_api_stays_out_of_the_alertmanager_dump() -> None:
    config = load_config(EXAMPLE, env=ENV)
    dumped = alertmanager_yaml(config)
    assert "slack_configs" not in dumped
    assert "- name: team-slack" in dumped
