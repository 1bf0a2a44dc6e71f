"""Pure domain types: labels, fingerprints, matchers, alerts, severities, the clock."""

from tocsin.model.alert import Alert, merge_alert
from tocsin.model.clock import Clock, FakeClock, SystemClock
from tocsin.model.labels import (
    LABEL_NAME_RE,
    Labels,
    fingerprint,
    fingerprint_int,
    is_valid_label_name,
)
from tocsin.model.matchers import (
    CompiledRegex,
    Matcher,
    MatcherError,
    MatchType,
    compile_matcher_regex,
    matcher_sort_key,
    matchers_match,
    new_matcher,
    parse_matcher,
    parse_matchers,
)
from tocsin.model.silence import (
    Silence,
    SilenceState,
    SilenceWrite,
    expire_silence,
    matchers_match_empty,
    plan_silence_write,
)

__all__ = [
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
    "expire_silence",
    "fingerprint",
    "fingerprint_int",
    "is_valid_label_name",
    "matcher_sort_key",
    "matchers_match",
    "matchers_match_empty",
    "merge_alert",
    "new_matcher",
    "parse_matcher",
    "parse_matchers",
    "plan_silence_write",
]
