"""The webhook payload's rules that need a resolved alert (facts 1, 2, 11)."""

from __future__ import annotations

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.channels.webhook import (
    GO_ZERO_TIME,
    compare_label_sets,
    quote_meta,
    sort_alerts,
    webhook_payload,
)
from tocsin.model import Alert, fingerprint

NOW = 1_800_000_000.0


def _alert(ends: float, **labels: str) -> Alert:
    return Alert(fingerprint(labels), labels, {"s": "x"}, NOW - 600, ends, NOW - 1)


def test_resolved_alerts_keep_their_end_and_firing_ones_show_go_zero_time() -> None:
    payload = webhook_payload(
        receiver="r",
        group_key="{}:{}",
        group_labels={},
        alerts=[_alert(NOW - 5, alertname="Gone"), _alert(NOW + 300, alertname="Up")],
        now=NOW,
        external_url="http://127.0.0.1:9093",
    )
    by_name = {a["labels"]["alertname"]: a for a in payload["alerts"]}
    assert by_name["Up"]["endsAt"] == GO_ZERO_TIME
    assert by_name["Up"]["status"] == "firing"
    assert by_name["Gone"]["endsAt"] == "2027-01-15T07:59:55Z"
    assert payload["status"] == "firing"


def test_a_group_of_resolved_alerts_is_resolved() -> None:
    payload = webhook_payload(
        receiver="r",
        group_key="k",
        group_labels={},
        alerts=[_alert(NOW - 5, alertname="Gone")],
        now=NOW,
        external_url="",
    )
    assert payload["status"] == "resolved"


def test_quote_meta_escapes_regex_characters() -> None:
    assert quote_meta("ops.team+1") == r"ops\.team\+1"
    assert quote_meta("a(b)[c]{d}|e^f$g*h?i\\") == r"a\(b\)\[c\]\{d\}\|e\^f\$g\*h\?i\\"


# --- the sort key equals Alertmanager's comparison ------------------------------------

_NAMES = st.sampled_from(["a", "ab", "b", "job", "instance", "x", "é", "z"])
_VALUES = st.sampled_from(["", "1", "10", "2", "a", "b", "ä"])
_LABEL_SETS = st.dictionaries(_NAMES, _VALUES, min_size=1, max_size=5)


def _reference(x: dict[str, str], y: dict[str, str]) -> int:
    for key in ("job", "instance"):
        xv, yv = x.get(key), y.get(key)
        if xv is None and yv is None:
            continue
        if xv is None:
            return 1
        if yv is None:
            return -1
        if xv != yv:
            return -1 if xv < yv else 1
    return compare_label_sets(x, y)


@settings(max_examples=300, derandomize=True)
@given(st.lists(_LABEL_SETS, min_size=2, max_size=8, unique_by=lambda d: tuple(sorted(d.items()))))
def test_sort_order_equals_alertmanagers_comparison(label_sets: list[dict[str, str]]) -> None:
    alerts = [Alert(fingerprint(ls), ls, {}, 0.0, 1.0, 0.0) for ls in label_sets]
    got = [a.labels for a in sort_alerts(alerts)]
    want = sorted(label_sets, key=functools.cmp_to_key(_reference))
    assert got == want
