"""Hostile bodies on POST /api/v2/alerts: only IntakeRejected, never another exception."""

from __future__ import annotations

import json

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.intake import IntakeRejected, decode_postable_alerts
from tocsin.model import fingerprint, is_valid_label_name

NOW = 1_800_000_000.0

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
label_maps = st.dictionaries(
    st.sampled_from(["alertname", "job", "1bad", "", "a b", "_x", "severity"]) | st.text(),
    st.text() | st.integers() | st.none(),
    max_size=5,
)
timestamps = (
    st.sampled_from(
        [
            "",
            "0001-01-01T00:00:00Z",
            "2027-01-15T08:00:00Z",
            "2027-01-15 08:00:00",
            "2027-01-15T08:00:00.123456789+02:00",
            "garbage",
            "2027-13-45T99:00:00Z",
        ]
    )
    | st.text()
    | st.none()
    | st.integers()
)
alert_objects = st.fixed_dictionaries(
    {},
    optional={
        "labels": label_maps | json_values,
        "annotations": label_maps | json_values,
        "startsAt": timestamps,
        "endsAt": timestamps,
        "generatorURL": st.sampled_from(["", "http://x/y", "/rel", "not a url"]) | json_values,
    },
)
bodies = st.lists(alert_objects | json_values, max_size=5).map(
    lambda v: json.dumps(v).encode()
) | st.binary(max_size=64)


@settings(
    derandomize=True,
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(bodies)
def test_decoding_never_fails_with_anything_but_a_rejection(body: bytes) -> None:
    try:
        batch = decode_postable_alerts(body, NOW, 300.0)
    except IntakeRejected as exc:
        assert exc.status in (400, 422)
        assert orjson.loads(exc.body)["code"] in (400, 601, 602)
        return
    for alert in batch.alerts:
        # Everything accepted is whole and valid.
        assert alert.labels
        assert all(v for v in alert.labels.values())
        assert all(is_valid_label_name(name) for name in alert.labels)
        assert alert.fingerprint == fingerprint(alert.labels)
        assert alert.ends_at >= alert.starts_at
    assert all(isinstance(message, str) and message for message in batch.errors)
