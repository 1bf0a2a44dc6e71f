"""The routing tree as ``amtool config routes show`` (Alertmanager 0.25) prints it.

One line per route: its matchers as Alertmanager sorts and prints them (``match:`` and
``match_re:`` entries included, the latter anchored as Alertmanager stores them), or
``default-route`` for a route without matchers; then ``continue: true`` when set and the
receiver, inherited from the parent when the route names none. Branches are drawn as the
``treeprint`` library draws them, non-breaking spaces included, so the output can be
compared with amtool's byte for byte.
"""

from __future__ import annotations

from tocsin.config import Route
from tocsin.model import Matcher, MatchType, matcher_sort_key, new_matcher

__all__ = ["render_routing_tree", "route_slug"]

_SEPARATOR = "  "
_MIDDLE, _LAST = "├── ", "└── "
_LINK, _SPACE = "│\u00a0\u00a0 ", "    "


def _matchers(route: Route) -> list[Matcher]:
    matchers = [new_matcher(name, MatchType.EQUAL, value) for name, value in route.match.items()]
    matchers += [
        new_matcher(name, MatchType.REGEX, f"^(?:{regex})$")
        for name, regex in route.match_re.items()
    ]
    matchers += route.matchers
    return sorted(matchers, key=matcher_sort_key)


def route_slug(route: Route, receiver: str) -> str:
    """One route's line: ``{a="b",c=~"d"}  continue: true  receiver: r``."""
    matchers = _matchers(route)
    text = "{" + ",".join(map(str, matchers)) + "}" if matchers else "default-route"
    if route.continue_:
        text += f"{_SEPARATOR}continue: true"
    return f"{text}{_SEPARATOR}receiver: {receiver}"


def _branch(route: Route, receiver: str, prefix: str, last: bool, lines: list[str]) -> None:
    receiver = route.receiver or receiver
    lines.append(prefix + (_LAST if last else _MIDDLE) + route_slug(route, receiver))
    inner = prefix + (_SPACE if last else _LINK)
    for i, child in enumerate(route.routes):
        _branch(child, receiver, inner, i == len(route.routes) - 1, lines)


def render_routing_tree(root: Route) -> str:
    """The whole output of ``amtool config routes show``, final empty line included."""
    lines = ["Routing tree:", "."]
    _branch(root, root.receiver, "", True, lines)
    return "\n".join(lines) + "\n\n"
