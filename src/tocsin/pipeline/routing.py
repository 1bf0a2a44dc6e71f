"""The routing tree: which routes, and so which receivers, an alert reaches.

Alertmanager's rule: a node matches when all its matchers match (an absent label is "");
its children are tried in order, and the first matching child without ``continue`` stops
the search; a node none of whose children match is itself the match. A child inherits
what it does not set from its parent: receiver, ``group_by`` (an empty list inherits too,
as in Alertmanager), ``group_wait``, ``group_interval`` and ``repeat_interval``. The root's
defaults are Alertmanager's: 30s, 5m and 4h. Time intervals are a route's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tocsin.model import Matcher, MatchType, matchers_match, new_matcher
from tocsin.pipeline.grouping import route_key_part

if TYPE_CHECKING:
    from tocsin.config import Route

__all__ = [
    "DEFAULT_GROUP_INTERVAL",
    "DEFAULT_GROUP_WAIT",
    "DEFAULT_REPEAT_INTERVAL",
    "RouteNode",
    "build_routes",
]

DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0


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
    group_by: tuple[str, ...] = ()
    group_by_all: bool = False
    group_wait: float = DEFAULT_GROUP_WAIT
    group_interval: float = DEFAULT_GROUP_INTERVAL
    repeat_interval: float = DEFAULT_REPEAT_INTERVAL
    path: str = ""  # position in the tree ("", "0", "0.2", …): tells sibling routes apart
    escalation_policy: str = ""  # tocsin: pages people for this route's groups (inherited)

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


def _seconds(value: object | None, inherited: float) -> float:
    seconds = getattr(value, "seconds", None)
    return inherited if value is None or seconds is None else float(seconds)


def _node(route: Route, parent: RouteNode | None, path: str) -> RouteNode:
    matchers: list[Matcher] = [
        new_matcher(name, MatchType.EQUAL, value) for name, value in route.match.items()
    ]
    matchers += [
        # Alertmanager keeps the anchored text of a legacy regex: it shows in the group key.
        new_matcher(name, MatchType.REGEX, f"^(?:{regex})$")
        for name, regex in route.match_re.items()
    ]
    matchers += list(route.matchers)
    own = route_key_part(matchers)
    group_by = tuple(name for name in route.group_by if name != "...")
    if parent is None:
        node = RouteNode(
            receiver=route.receiver,
            matchers=matchers,
            key=own,
            group_by=group_by,
            group_by_all=route.group_by_all,
            group_wait=_seconds(route.group_wait, DEFAULT_GROUP_WAIT),
            group_interval=_seconds(route.group_interval, DEFAULT_GROUP_INTERVAL),
            repeat_interval=_seconds(route.repeat_interval, DEFAULT_REPEAT_INTERVAL),
            escalation_policy=route.escalation_policy,
        )
    else:
        # Alertmanager: explicit labels replace the parent's and clear "all"; ['...'] adds
        # "all" to what is inherited; an empty list inherits both.
        node = RouteNode(
            receiver=route.receiver or parent.receiver,
            matchers=matchers,
            continue_=route.continue_,
            key=f"{parent.key}/{own}",
            group_by=group_by or parent.group_by,
            group_by_all=False if group_by else (route.group_by_all or parent.group_by_all),
            group_wait=_seconds(route.group_wait, parent.group_wait),
            group_interval=_seconds(route.group_interval, parent.group_interval),
            repeat_interval=_seconds(route.repeat_interval, parent.repeat_interval),
            path=f"{parent.path}.{path}" if parent.path else path,
            escalation_policy=route.escalation_policy or parent.escalation_policy,
        )
    node.mute_time_intervals = list(route.mute_time_intervals)
    node.active_time_intervals = list(route.active_time_intervals)
    node.children = [_node(child, node, str(i)) for i, child in enumerate(route.routes)]
    return node


def build_routes(root: Route) -> RouteNode:
    """Compile the configured routing tree."""
    return _node(root, None, "")
