"""The ``pagerduty`` channel (``pagerduty_configs``): PagerDuty Events API v2 and v1."""

from tocsin.channels.pagerduty.channel import (
    DEFAULT_V2_URL,
    SEVERITY_BY_PRIORITY,
    V1_URL,
    ClientFactory,
    PagerdutyChannel,
    pagerduty_target,
)
from tocsin.channels.pagerduty.event import (
    MAX_EVENT_BYTES,
    MAX_SUMMARY_CHARS,
    TOO_LARGE_DETAILS,
    Image,
    Link,
    dedup_key,
    encode_event,
    truncate,
    v1_event,
    v2_event,
)

__all__ = [
    "DEFAULT_V2_URL",
    "MAX_EVENT_BYTES",
    "MAX_SUMMARY_CHARS",
    "SEVERITY_BY_PRIORITY",
    "TOO_LARGE_DETAILS",
    "V1_URL",
    "ClientFactory",
    "Image",
    "Link",
    "PagerdutyChannel",
    "dedup_key",
    "encode_event",
    "pagerduty_target",
    "truncate",
    "v1_event",
    "v2_event",
]
