"""tocsin's configuration: YAML → typed, validated :class:`Config`, errors with file:line.

The file is Alertmanager 0.25's ``alertmanager.yml`` (every section, receiver type, default
and check), extended with tocsin's own receiver types and sections. Load it with
:func:`load_config`; every problem found is reported at once in :class:`ConfigError`.
:func:`alertmanager_yaml` gives the Alertmanager subset as Alertmanager marshals it
(``/api/v2/status``), :func:`redacted_dict` the whole configuration with secrets hidden.
"""

from tocsin.config._config import RESERVED_SECTIONS, Config
from tocsin.config._dump import alertmanager_yaml, redacted_dict
from tocsin.config._duration import Duration, GoDuration
from tocsin.config._errors import ConfigError, ConfigIssue
from tocsin.config._escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    SeverityLevels,
)
from tocsin.config._global import GlobalConfig
from tocsin.config._http import (
    Authorization,
    BasicAuth,
    HTTPClientConfig,
    OAuth2,
    TLSConfig,
)
from tocsin.config._interval_eval import interval_contains, named_interval_active
from tocsin.config._load import load_config, load_config_text
from tocsin.config._matchers import AnchoredRegex
from tocsin.config._people import ContactMethod, NotificationRule, Team, User
from tocsin.config._route import InhibitRule, Route
from tocsin.config._schedules import Layer, Override, Participant, Schedule
from tocsin.config._severity import SEVERITY_LEVELS, SeverityConfig
from tocsin.config._timeintervals import (
    DayOfMonthRange,
    MonthRange,
    NamedTimeInterval,
    TimeInterval,
    TimeRange,
    WeekdayRange,
    YearRange,
)
from tocsin.config._types import Secret
from tocsin.config.receivers import (
    RECEIVER_TYPES,
    SUPPORTED_RECEIVER_TYPES,
    NotifierConfig,
    Rate,
    RateLimit,
    Receiver,
    RetryPolicy,
)

__all__ = [
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
    "ContactMethod",
    "DayOfMonthRange",
    "Duration",
    "EscalationLevel",
    "EscalationPolicy",
    "EscalationTarget",
    "GlobalConfig",
    "GoDuration",
    "HTTPClientConfig",
    "InhibitRule",
    "Layer",
    "MonthRange",
    "NamedTimeInterval",
    "NotificationRule",
    "NotifierConfig",
    "OAuth2",
    "Override",
    "Participant",
    "Rate",
    "RateLimit",
    "Receiver",
    "RetryPolicy",
    "Route",
    "Schedule",
    "Secret",
    "SeverityConfig",
    "SeverityLevels",
    "TLSConfig",
    "Team",
    "TimeInterval",
    "TimeRange",
    "User",
    "WeekdayRange",
    "YearRange",
    "alertmanager_yaml",
    "interval_contains",
    "load_config",
    "load_config_text",
    "named_interval_active",
    "redacted_dict",
]
