"""Whole-file checks, run on the parsed YAML data (before and independently of the models,
so that they report even when some section has type errors).

Messages are Alertmanager 0.25's: undefined or duplicate receivers and time intervals, the
rules of the root route; plus tocsin's own: reserved sections, unsupported receiver types.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tocsin.config._config import RESERVED_SECTIONS
from tocsin.config._errors import ConfigIssue
from tocsin.config._yaml import Path, Positions
from tocsin.config.receivers import RECEIVER_TYPES, SUPPORTED_RECEIVER_TYPES

__all__ = ["check_document", "unsupported_integrations"]


def _text(value: Any) -> str:
    raw = getattr(value, "raw", None)
    if isinstance(raw, str):
        return raw
    if value is None:
        return ""
    return str(value)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def check_document(
    data: Any, positions: Positions, *, allow_unsupported: bool
) -> list[ConfigIssue]:
    """Every whole-file problem of ``data`` (the parsed YAML document)."""
    if data is None:
        return [positions.issue((), "no route provided in config")]
    if not isinstance(data, dict):
        return [positions.issue((), "the configuration must be a mapping of sections")]
    issues: list[ConfigIssue] = []
    for section in RESERVED_SECTIONS:
        if section in data and not _is_empty(data[section]):
            issues.append(
                positions.issue(
                    (section,), f"`{section}` is not available in this version of tocsin"
                )
            )
    receivers = _receiver_names(data, positions, issues)
    if not allow_unsupported:
        for path, name, kind in unsupported_integrations(data):
            issues.append(
                positions.issue(
                    path,
                    f'receiver "{name}" uses {kind}, which tocsin cannot send; remove it '
                    "or start with --allow-unsupported-receivers",
                    at_key=True,
                )
            )
    issues.extend(_check_fallbacks(data, receivers, positions))
    intervals = _interval_names(data, positions, issues)
    route = data.get("route")
    if route is None:
        issues.append(positions.issue((), "no route provided in config"))
        return issues
    if not isinstance(route, dict):
        return issues
    issues.extend(_check_root(route, positions))
    for path, node in _walk_routes(route, ("route",)):
        issues.extend(_check_node(path, node, receivers, intervals, positions))
    return issues


def _receiver_names(
    data: dict[str, Any], positions: Positions, issues: list[ConfigIssue]
) -> set[str]:
    names: set[str] = set()
    items = data.get("receivers")
    if not isinstance(items, list):
        return names
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name"))
        if not name:
            issues.append(positions.issue(("receivers", i), "missing name in receiver"))
            continue
        if name in names:
            issues.append(
                positions.issue(
                    ("receivers", i, "name"), f'notification config name "{name}" is not unique'
                )
            )
        names.add(name)
    return names


def _check_fallbacks(
    data: dict[str, Any], receivers: set[str], positions: Positions
) -> list[ConfigIssue]:
    """Each ``fallback`` names another defined receiver, and fallbacks do not loop."""
    issues: list[ConfigIssue] = []
    items = data.get("receivers")
    if not isinstance(items, list):
        return issues
    edges: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("fallback"), list):
            continue
        name = _text(item.get("name"))
        where[name] = i
        for j, target in enumerate(item["fallback"]):
            text = _text(target)
            if text not in receivers:
                issues.append(
                    positions.issue(
                        ("receivers", i, "fallback", j), f'undefined fallback receiver "{text}"'
                    )
                )
            elif text == name:
                issues.append(
                    positions.issue(
                        ("receivers", i, "fallback", j),
                        f'receiver "{name}" cannot be its own fallback',
                    )
                )
            else:
                edges.setdefault(name, []).append(text)
    for start, i in where.items():
        stack, seen = list(edges.get(start, [])), set()
        while stack:
            current = stack.pop()
            if current == start:
                issues.append(
                    positions.issue(
                        ("receivers", i, "fallback"),
                        f'fallback receivers of "{start}" lead back to it',
                    )
                )
                break
            if current not in seen:
                seen.add(current)
                stack.extend(edges.get(current, []))
    return issues


def unsupported_integrations(data: Any) -> Iterator[tuple[Path, str, str]]:
    """``(path, receiver name, type key)`` of each configured type tocsin cannot send."""
    items = data.get("receivers") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if (
                key in RECEIVER_TYPES
                and key not in SUPPORTED_RECEIVER_TYPES
                and not _is_empty(value)
            ):
                yield (("receivers", i, key), _text(item.get("name")), key)


def _interval_names(
    data: dict[str, Any], positions: Positions, issues: list[ConfigIssue]
) -> set[str]:
    names: set[str] = set()
    for section, label in (
        ("mute_time_intervals", "mute time interval"),
        ("time_intervals", "time interval"),
    ):
        items = data.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            name = _text(item.get("name"))
            if not name:
                issues.append(positions.issue((section, i), f"missing name in {label}"))
                continue
            if name in names:
                issues.append(
                    positions.issue((section, i, "name"), f'{label} "{name}" is not unique')
                )
            names.add(name)
    return names


def _check_root(route: dict[str, Any], positions: Positions) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    if route.get("continue") is True:
        issues.append(positions.issue(("route", "continue"), "cannot have continue in root route"))
    if not _text(route.get("receiver")):
        issues.append(positions.issue(("route",), "root route must specify a default receiver"))
    for key in ("match", "match_re", "matchers"):
        if not _is_empty(route.get(key)):
            issues.append(positions.issue(("route", key), "root route must not have any matchers"))
    if not _is_empty(route.get("mute_time_intervals")):
        issues.append(
            positions.issue(
                ("route", "mute_time_intervals"),
                "root route must not have any mute time intervals",
            )
        )
    if not _is_empty(route.get("active_time_intervals")):
        issues.append(
            positions.issue(
                ("route", "active_time_intervals"),
                "root route must not have any active time intervals",
            )
        )
    return issues


def _walk_routes(node: dict[str, Any], path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    yield path, node
    children = node.get("routes")
    if isinstance(children, list):
        for i, child in enumerate(children):
            if isinstance(child, dict):
                yield from _walk_routes(child, (*path, "routes", i))


def _check_node(
    path: Path,
    node: dict[str, Any],
    receivers: set[str],
    intervals: set[str],
    positions: Positions,
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    receiver = _text(node.get("receiver"))
    if receiver and receiver not in receivers:
        issues.append(
            positions.issue((*path, "receiver"), f'undefined receiver "{receiver}" used in route')
        )
    for key in ("mute_time_intervals", "active_time_intervals"):
        names = node.get(key)
        if not isinstance(names, list):
            continue
        for i, name in enumerate(names):
            text = _text(name)
            if text not in intervals:
                issues.append(
                    positions.issue(
                        (*path, key, i), f'undefined time interval "{text}" used in route'
                    )
                )
    return issues
