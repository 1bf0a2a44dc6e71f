"""Hostile configuration files: the loader answers ConfigError, never another exception."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.config import ConfigError, load_config_text

BASE = {
    "route": {"receiver": "r", "group_by": ["alertname"], "routes": [{"matchers": ['a="b"']}]},
    "receivers": [{"name": "r", "webhook_configs": [{"url": "http://127.0.0.1:5001/"}]}],
}

keys = st.sampled_from(
    [
        "route",
        "receivers",
        "global",
        "inhibit_rules",
        "time_intervals",
        "templates",
        "severity",
        "receiver",
        "group_wait",
        "matchers",
        "routes",
        "name",
        "webhook_configs",
        "url",
        "url_file",
        "teams",
        "${X}",
        "resolve_timeout",
        "max_alerts",
        "equal",
        "bogus",
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 10**6)
    | st.sampled_from(
        [
            "5m",
            "1h30m",
            "-1s",
            "0s",
            "abc",
            "${UNSET}",
            "${X:-1m}",
            "$${x}",
            'a=~"("',
            "monday:friday",
            "25:00",
            "+14155550100",
            "http://x",
        ]
    )
    | st.text(max_size=12)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=15,
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(documents)
def test_arbitrary_documents_load_or_fail_with_positions(doc: object) -> None:
    text = yaml.safe_dump(doc)
    try:
        load_config_text(text, filename="fuzz.yml", env={})
    except ConfigError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.file == "fuzz.yml"
            assert issue.line >= 1
            assert issue.column >= 1
            assert str(issue).startswith("fuzz.yml:")


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.dictionaries(keys, documents, max_size=3))
def test_mutated_valid_files_load_or_fail_with_positions(extra: dict[str, object]) -> None:
    doc = {**BASE, **extra}
    try:
        load_config_text(yaml.safe_dump(doc), filename="fuzz.yml", env={})
    except ConfigError as exc:
        assert all(issue.line >= 1 for issue in exc.issues)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_loads_or_fails_with_positions(text: str) -> None:
    try:
        load_config_text(text, filename="fuzz.yml", env={})
    except ConfigError as exc:
        assert all(issue.line >= 1 for issue in exc.issues)
