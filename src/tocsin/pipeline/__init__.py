"""Route, group, suppress and notify stages."""

from tocsin.pipeline.routing import RouteNode, build_routes

__all__ = ["RouteNode", "build_routes"]
