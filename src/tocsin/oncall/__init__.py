"""On-call: schedules, rotations, overrides, and who is on call at an instant.

Pure: :class:`Roster` is built from the configuration (plus the API's overrides, users and
teams) and answers from its inputs alone. Handoffs fall on the local wall clock of each
layer's zone (see :mod:`tocsin.oncall.wallclock` for daylight-saving gaps and repeats).
"""

from tocsin.oncall.errors import DuplicateName, OncallError, UnknownName
from tocsin.oncall.ical import schedule_ical, user_ical
from tocsin.oncall.model import HORIZON_SECONDS, OnCall, Override, Shift
from tocsin.oncall.roster import TARGET_KINDS, Roster
from tocsin.oncall.rotation import Rotation, Segment
from tocsin.oncall.wallclock import local_instant, wall_clock

__all__ = [
    "HORIZON_SECONDS",
    "TARGET_KINDS",
    "DuplicateName",
    "OnCall",
    "OncallError",
    "Override",
    "Roster",
    "Rotation",
    "Segment",
    "Shift",
    "UnknownName",
    "local_instant",
    "schedule_ical",
    "user_ical",
    "wall_clock",
]
