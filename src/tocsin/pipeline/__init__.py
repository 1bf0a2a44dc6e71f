"""Route, group, suppress and notify stages."""

from tocsin.pipeline.grouping import group_key, group_labels
from tocsin.pipeline.groups import AggregationGroup, GroupTable, group_id
from tocsin.pipeline.inhibition import InhibitionIndex, InhibitionRule, build_inhibition_rules
from tocsin.pipeline.muting import Muter, MuteReason, Silencer
from tocsin.pipeline.nflog import NotificationLog, NotifyEntry, NotifyKey, needs_update
from tocsin.pipeline.notify import (
    Delivery,
    FlushPlan,
    Integration,
    PageTarget,
    plan_flush,
    receiver_integrations,
)
from tocsin.pipeline.ratelimit import RateLimiter, TokenBucket
from tocsin.pipeline.routing import RouteNode, build_routes
from tocsin.pipeline.time_intervals import (
    TimedRoute,
    TimeIntervalMuter,
    interval_contains,
    named_interval_active,
)

__all__ = [
    "AggregationGroup",
    "Delivery",
    "FlushPlan",
    "GroupTable",
    "InhibitionIndex",
    "InhibitionRule",
    "Integration",
    "MuteReason",
    "Muter",
    "NotificationLog",
    "NotifyEntry",
    "NotifyKey",
    "PageTarget",
    "RateLimiter",
    "RouteNode",
    "Silencer",
    "TimeIntervalMuter",
    "TimedRoute",
    "TokenBucket",
    "build_inhibition_rules",
    "build_routes",
    "group_id",
    "group_key",
    "group_labels",
    "interval_contains",
    "named_interval_active",
    "needs_update",
    "plan_flush",
    "receiver_integrations",
]
