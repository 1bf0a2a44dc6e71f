"""Route, group, suppress and notify stages."""

from tocsin.pipeline.inhibition import InhibitionIndex, InhibitionRule, build_inhibition_rules
from tocsin.pipeline.muting import Muter, MuteReason, Silencer
from tocsin.pipeline.routing import RouteNode, build_routes

__all__ = [
    "InhibitionIndex",
    "InhibitionRule",
    "MuteReason",
    "Muter",
    "RouteNode",
    "Silencer",
    "build_inhibition_rules",
    "build_routes",
]
