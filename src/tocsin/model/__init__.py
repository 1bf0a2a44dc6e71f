"""Pure domain types: labels, fingerprints, matchers, alerts, severities, the clock."""

from tocsin.model.clock import Clock, FakeClock, SystemClock
from tocsin.model.labels import (
    LABEL_NAME_RE,
    Labels,
    fingerprint,
    fingerprint_int,
    is_valid_label_name,
)

__all__ = [
    "LABEL_NAME_RE",
    "Clock",
    "FakeClock",
    "Labels",
    "SystemClock",
    "fingerprint",
    "fingerprint_int",
    "is_valid_label_name",
]
