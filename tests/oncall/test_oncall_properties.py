"""Properties of the timeline over generated schedules near daylight-saving changes."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.oncall.helpers import roster_of, utc

from tocsin.model.times import format_millis
from tocsin.oncall import Roster

ZONES = ["America/Chicago", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
STARTS = ["2026-03-07 01:00", "2026-03-28 02:30", "2026-10-24 23:00", "2026-10-31 08:00"]
WINDOWS = [
    ("2026-03-07T00:00:00Z", "2026-03-12T00:00:00Z"),
    ("2026-03-27T00:00:00Z", "2026-04-07T00:00:00Z"),
    ("2026-10-03T00:00:00Z", "2026-10-06T00:00:00Z"),
    ("2026-10-24T00:00:00Z", "2026-11-03T00:00:00Z"),
]

layer = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(ZONES),
        "shift": st.sampled_from(["1h", "5h", "12h", "1d", "1d12h", "1w"]),
        "start": st.sampled_from(STARTS),
        "weights": st.lists(st.integers(1, 3), min_size=1, max_size=3),
        "window": st.sampled_from(
            [None, ("01:30", "09:00"), ("02:00", "02:30"), ("17:00", "24:00")]
        ),
    }
)
override = st.tuples(st.integers(0, 300), st.integers(1, 40), st.sampled_from(["gina", "frank"]))
PEOPLE = ["alice", "bob", "carol"]


def _yaml(layers: list[dict[str, object]], overrides: list[tuple[int, int, str]]) -> str:
    lines = ["schedules:", "  - name: s", "    layers:"]
    for i, spec in enumerate(layers):
        weights = spec["weights"]
        assert isinstance(weights, list)
        people = ", ".join(f"{{user: {PEOPLE[j]}, weight: {w}}}" for j, w in enumerate(weights))
        lines += [
            f"      - name: l{i}",
            f"        participants: [{people}]",
            f"        shift: {spec['shift']}",
            f'        start: "{spec["start"]}"',
            f"        time_zone: {spec['zone']}",
        ]
        if spec["window"] is not None:
            begin, end = spec["window"]  # type: ignore[misc]
            lines.append(
                f'        restrictions: [{{times: [{{start_time: "{begin}", end_time: "{end}"}}]}}]'
            )
    lines.append("    overrides:" if overrides else "    overrides: []")
    base = utc("2026-03-07T00:00:00Z")
    for hours, length, user in overrides:
        start = format_millis(base + hours * 3600.0)
        end = format_millis(base + (hours + length) * 3600.0)
        lines.append(f'      - {{user: {user}, start: "{start}", end: "{end}"}}')
    return "\n".join(lines) + "\n"


def _check(roster: Roster, start: float, end: float) -> None:
    shifts = roster.shifts("s", start, end)
    assert shifts[0].start == start
    assert shifts[-1].end == end
    for before, after in itertools.pairwise(shifts):
        assert before.end == after.start
        assert before.start < before.end
        assert (before.user, before.layer, before.override) != (
            after.user,
            after.layer,
            after.override,
        )
    boundaries = {s.start for s in shifts} | {end}
    for shift in shifts[:12]:
        for at in (shift.start, (shift.start + shift.end) / 2):
            answer = roster.who("s", at)
            assert (answer.user, answer.layer, answer.override) == (
                shift.user,
                shift.layer,
                shift.override,
            )
            assert answer.since is None or answer.since <= at
            assert answer.until is None or at < answer.until
            if answer.since is not None and answer.since >= start:
                assert answer.since in boundaries
            if answer.until is not None and answer.until <= end:
                assert answer.until in boundaries
            users = roster.users_on_call("schedule", "s", at)
            assert users == ([] if shift.user is None else [shift.user])


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    layers=st.lists(layer, min_size=1, max_size=3),
    overrides=st.lists(override, max_size=2),
    window=st.sampled_from(WINDOWS),
)
def test_the_timeline_partitions_the_range_and_agrees_with_who(
    layers: list[dict[str, object]],
    overrides: list[tuple[int, int, str]],
    window: tuple[str, str],
) -> None:
    roster = roster_of(_yaml(layers, overrides))
    _check(roster, utc(window[0]), utc(window[1]))
