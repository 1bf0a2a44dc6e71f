"""Aggregation-group identity, as Alertmanager computes it.

A group key is the route's key — the matcher sets of the route and its ancestors, each
printed ``{name="value",…}`` with the matchers sorted, joined by ``/`` — then ``:`` and the
group labels printed as Go prints a label set (``{a="1", b="2"}``, sorted). Keys are
byte-identical to Alertmanager's, so webhook ``groupKey`` values and PagerDuty dedup keys
derived from them survive a migration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tocsin.model import Matcher, matcher_sort_key
from tocsin.model.goquote import go_quote

__all__ = ["group_key", "group_labels", "route_key_part"]


def route_key_part(matchers: Sequence[Matcher]) -> str:
    """One route's own part of its key: its matchers, sorted as Alertmanager sorts them."""
    ordered = sorted(matchers, key=matcher_sort_key)
    return "{" + ",".join(str(m) for m in ordered) + "}"


def group_labels(
    labels: Mapping[str, str], group_by: Sequence[str], group_by_all: bool
) -> dict[str, str]:
    """The labels an alert is grouped by: those of ``group_by`` it has, or all with ``...``."""
    if group_by_all:
        return dict(labels)
    return {name: labels[name] for name in group_by if name in labels}


def group_key(route_key: str, labels: Mapping[str, str]) -> str:
    """``route_key:{name="value", …}`` exactly as Alertmanager prints it."""
    pairs = sorted(f"{name}={go_quote(value)}" for name, value in labels.items())
    return f"{route_key}:{{{', '.join(pairs)}}}"
