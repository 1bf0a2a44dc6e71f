"""Route, group, suppress and notify stages."""

from tocsin.pipeline.grouping import group_key, group_labels
from tocsin.pipeline.inhibition import InhibitionIndex, InhibitionRule, build_inhibition_rules
from tocsin.pipeline.muting import Muter, MuteReason, Silencer
from tocsin.pipeline.routing import RouteNode, build_routes
from tocsin.pipeline.time_intervals import (
    TimedRoute,
    TimeIntervalMuter,
    interval_contains,
    named_interval_active,
)

__all__ = [
    "InhibitionIndex",
    "InhibitionRule",
    "MuteReason",
    "Muter",
    "RouteNode",
    "Silencer",
    "TimeIntervalMuter",
    "TimedRoute",
    "build_inhibition_rules",
    "build_routes",
    "group_key",
    "group_labels",
    "interval_contains",
    "named_interval_active",
]
