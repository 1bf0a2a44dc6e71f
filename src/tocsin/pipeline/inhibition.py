"""Inhibition: firing source alerts mute target alerts that share the ``equal`` labels.

Alertmanager's rule, for each rule whose target matchers match an alert: every firing alert
that matches the source matchers and has the same values for the ``equal`` labels (an
absent label is ``""`` on both sides) inhibits it — except that when the alert also matches
the source side, sources that match the target side too are disregarded (two alerts that
each match both sides do not inhibit each other, but they do inhibit target-only alerts).
As in Alertmanager 0.25, the first rule (in configuration order) that inhibits decides,
and ``inhibitedBy`` names one inhibiting alert: tocsin takes the smallest fingerprint
(Alertmanager picks one at random).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tocsin.model import Alert, Matcher, MatchType, matchers_match, new_matcher
from tocsin.pipeline.muting import MuteReason

if TYPE_CHECKING:
    from tocsin.config import InhibitRule

__all__ = ["InhibitionIndex", "InhibitionRule", "build_inhibition_rules"]


@dataclass(frozen=True, slots=True)
class InhibitionRule:
    """A configured inhibit rule with its matchers compiled."""

    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    def key(self, labels: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(labels.get(name, "") for name in self.equal)


def _legacy(match: Mapping[str, str], match_re: Mapping[str, object]) -> list[Matcher]:
    matchers = [new_matcher(name, MatchType.EQUAL, value) for name, value in match.items()]
    matchers += [new_matcher(name, MatchType.REGEX, str(rx)) for name, rx in match_re.items()]
    return matchers


def build_inhibition_rules(rules: Iterable[InhibitRule]) -> list[InhibitionRule]:
    """Compile the configuration's ``inhibit_rules`` (legacy forms included)."""
    return [
        InhibitionRule(
            source=tuple(_legacy(r.source_match, r.source_match_re) + list(r.source_matchers)),
            target=tuple(_legacy(r.target_match, r.target_match_re) + list(r.target_matchers)),
            equal=tuple(sorted(set(r.equal))),
        )
        for r in rules
    ]


@dataclass(slots=True)
class _RuleIndex:
    rule: InhibitionRule
    # equal-label values -> [(source fingerprint, source also matches the target side)]
    sources: dict[tuple[str, ...], list[tuple[str, bool]]] = field(default_factory=dict)


class InhibitionIndex:
    """The firing source alerts of every rule, indexed for questions about targets.

    Build one per decision time (a flush, an API request) from the alerts firing then.
    """

    def __init__(self, rules: Sequence[InhibitionRule], alerts: Iterable[Alert], now: float):
        self._rules = [_RuleIndex(rule) for rule in rules]
        if not self._rules:
            return
        for alert in alerts:
            if alert.ends_at <= now:
                continue
            labels = alert.labels
            for index in self._rules:
                rule = index.rule
                if matchers_match(rule.source, labels):
                    both = matchers_match(rule.target, labels)
                    index.sources.setdefault(rule.key(labels), []).append((alert.fingerprint, both))

    def inhibited_by(self, labels: Mapping[str, str]) -> list[str]:
        """The fingerprint of an alert that inhibits an alert with ``labels`` (or none)."""
        for index in self._rules:
            rule = index.rule
            if not index.sources or not matchers_match(rule.target, labels):
                continue
            candidates = index.sources.get(rule.key(labels))
            if not candidates:
                continue
            exclude_both = matchers_match(rule.source, labels)
            found = [fp for fp, both in candidates if not (exclude_both and both)]
            if found:
                return [min(found)]
        return []

    def mutes(
        self, labels: Mapping[str, str], route: object | None, now: float
    ) -> MuteReason | None:
        fingerprints = self.inhibited_by(labels)
        return MuteReason("inhibition", tuple(fingerprints)) if fingerprints else None
