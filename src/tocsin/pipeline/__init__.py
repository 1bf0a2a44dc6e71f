"""Route, group, suppress and notify stages."""

from tocsin.pipeline.muting import Muter, MuteReason, Silencer
from tocsin.pipeline.routing import RouteNode, build_routes

__all__ = ["MuteReason", "Muter", "RouteNode", "Silencer", "build_routes"]
