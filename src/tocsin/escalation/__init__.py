"""Escalation policies at work: who is paged when, until someone acknowledges.

The engine is pure. :func:`open_escalation` starts an incident's escalation;
:func:`tick` performs everything due by ``now`` and returns the new
:class:`EscalationState` with the effects to execute (:class:`Page`, :class:`NotifyTeam`)
and to record (:class:`Escalated`, :class:`Gap`, :class:`Unreachable`,
:class:`Repeated`, :class:`Exhausted`, :class:`AckExpired`); :func:`acknowledge` and
:func:`resolve_escalation` stop it; :func:`next_due` says when to tick next. Who a target
reaches and how a person wants to be contacted are supplied by the caller
(``resolve``, ``people``, ``team_receiver``), so that the engine reads neither the
schedules nor the clock.
"""

from tocsin.escalation._effects import (
    ULTIMATE,
    AckExpired,
    AckRefused,
    Effect,
    Escalated,
    Exhausted,
    Gap,
    NotifyTeam,
    Page,
    Repeated,
    Unreachable,
)
from tocsin.escalation._engine import (
    People,
    Resolve,
    TeamReceiver,
    acknowledge,
    next_due,
    open_escalation,
    resolve_escalation,
    tick,
)
from tocsin.escalation._people import Person, person_from_config
from tocsin.escalation._state import EscalationState, PendingContact, StepRecord

__all__ = [
    "ULTIMATE",
    "AckExpired",
    "AckRefused",
    "Effect",
    "Escalated",
    "EscalationState",
    "Exhausted",
    "Gap",
    "NotifyTeam",
    "Page",
    "PendingContact",
    "People",
    "Person",
    "Repeated",
    "Resolve",
    "StepRecord",
    "TeamReceiver",
    "Unreachable",
    "acknowledge",
    "next_due",
    "open_escalation",
    "person_from_config",
    "resolve_escalation",
    "tick",
]
