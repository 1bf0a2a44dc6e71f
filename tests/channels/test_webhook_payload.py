"""The webhook payload's rules that need a resolved alert (facts 1, 2, 11)."""

from __future__ import annotations

from tocsin.channels.webhook import GO_ZERO_TIME, quote_meta, webhook_payload
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
