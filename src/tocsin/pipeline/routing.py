"""The routing tree: which routes, and so which receivers, an alert reaches.

Alertmanager's rule: a node matches when all its matchers match (an absent label is "");
its children are tried in order, and the first matching child without ``continue`` stops
the search; a node none of whose children match is itself the match. A child without a
receiver inherits its parent's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tocsin.model import Matcher, MatchType, matchers_match, new_matcher
from tocsin.pipeline.grouping import route_key_part

if TYPE_CHECKING:
    from tocsin.config import Route

__all__ = ["RouteNode", "build_routes"]


@dataclass(slots=True)
class RouteNode:
    """A route with its matchers compiled and its inherited options resolved."""

    receiver: str
    matchers: list[Matcher]
    continue_: bool = False
    children: list[RouteNode] = field(default_factory=list)
    key: str = "{}"  # Alertmanager's route key: the matcher path from the root
    # A route's own time intervals (not inherited from its parent, as in Alertmanager).
    mute_time_intervals: list[str] = field(default_factory=list)
    active_time_intervals: list[str] = field(default_factory=list)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return matchers_match(self.matchers, labels)

    def match(self, labels: Mapping[str, str]) -> list[RouteNode]:
        """The deepest matching routes for ``labels``, in tree order."""
        if not self.matches(labels):
            return []
        found: list[RouteNode] = []
        for child in self.children:
            hits = child.match(labels)
            found.extend(hits)
            if hits and not child.continue_:
                break
        return found or [self]

    def receivers(self, labels: Mapping[str, str]) -> list[str]:
        """The receiver of every matching route, as ``GET /api/v2/alerts`` lists them."""
        return [node.receiver for node in self.match(labels)]


def _node(route: Route, parent_receiver: str, parent_key: str | None = None) -> RouteNode:
    matchers: list[Matcher] = [
        new_matcher(name, MatchType.EQUAL, value) for name, value in route.match.items()
    ]
    matchers += [
        new_matcher(name, MatchType.REGEX, str(regex)) for name, regex in route.match_re.items()
    ]
    matchers += list(route.matchers)
    receiver = route.receiver or parent_receiver
    own = route_key_part(matchers)
    key = own if parent_key is None else f"{parent_key}/{own}"
    return RouteNode(
        receiver=receiver,
        matchers=matchers,
        continue_=route.continue_,
        children=[_node(child, receiver, key) for child in route.routes],
        key=key,
        mute_time_intervals=list(route.mute_time_intervals),
        active_time_intervals=list(route.active_time_intervals),
    )


def build_routes(root: Route) -> RouteNode:
    """Compile the configured routing tree."""
    return _node(root, root.receiver)
