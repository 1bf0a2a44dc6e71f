"""Notification scenarios played on Alertmanager 0.25 and on tocsin at the same time.

Each scenario posts alerts, resolves them, silences, reloads… at fixed offsets and compares the
webhook notifications both servers send: per group, their number, content and arrival time
(see ``tests/support/notify_diff.py``). ``expect`` records what Alertmanager sends, so that a
scenario cannot pass by sending nothing on both sides.

Timers are short (group_wait and group_interval of 1–2 s) and steps fall half-way between the
ticks of the groups they touch, so that jitter of a few tens of milliseconds cannot move a
change from one tick to the next.

``TOCSIN_NOTIFY_DIFF_AGAINST=alertmanager`` plays every scenario on two Alertmanagers, to check
that the scenarios themselves are deterministic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.support.notify_diff import (
    Expect,
    Expire,
    Post,
    Reload,
    Resolve,
    Scenario,
    Silence,
    Wait,
    fire,
    run_scenario,
)

pytestmark = [pytest.mark.realtime, pytest.mark.external]


def receivers(*names: str, send_resolved: bool = True, max_alerts: int = 0) -> str:
    """A ``receivers:`` section: one webhook per name, on the sink path named after it."""
    lines = ["receivers:"]
    for name in names:
        path = "".join(c if c.isalnum() else "-" for c in name)
        lines += [
            f"  - name: {name}",
            "    webhook_configs:",
            f'      - url: "{{sink}}{path}"',
            f"        send_resolved: {'true' if send_resolved else 'false'}",
            f"        max_alerts: {max_alerts}",
        ]
    return "\n".join(lines) + "\n"


def config(
    routes: str = "",
    *,
    group_by: str = "[alertname]",
    group_wait: str = "1s",
    group_interval: str = "1s",
    repeat_interval: str = "1h",
    names: tuple[str, ...] = ("hook",),
    send_resolved: bool = True,
    max_alerts: int = 0,
    extra: str = "",
) -> str:
    """A configuration whose root route sends to the first of ``names``.

    ``routes`` is the YAML of the root's ``routes:`` list items, indented by four spaces.
    """
    text = f"""\
route:
  receiver: {names[0]}
  group_by: {group_by}
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: {repeat_interval}
"""
    if routes:
        text += "  routes:\n" + routes
    return text + receivers(*names, send_resolved=send_resolved, max_alerts=max_alerts) + extra


# --- time intervals computed from the current UTC time ------------------------------------------

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _hhmm(moment: datetime, *, round_up: bool = False) -> str:
    minutes = moment.hour * 60 + moment.minute
    if round_up and (moment.second or moment.microsecond):
        minutes += 1
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def interval_around_now(
    name: str, margin: timedelta = timedelta(minutes=30), now: datetime | None = None
) -> str:
    """A time interval active from ``margin`` before now to ``margin`` after now (UTC).

    Around midnight the window is split in two time ranges over two weekdays (each range is
    then also active on the other day, which does not matter here).
    """
    now = now or datetime.now(UTC)
    start, end = now - margin, now + margin
    if start.date() == end.date():
        days = [_WEEKDAYS[start.weekday()]]
        times = [(_hhmm(start), _hhmm(end, round_up=True))]
    else:
        days = [_WEEKDAYS[start.weekday()], _WEEKDAYS[end.weekday()]]
        times = [(_hhmm(start), "24:00"), ("00:00", _hhmm(end, round_up=True))]
    ranges = "".join(f'\n          - {{start_time: "{a}", end_time: "{b}"}}' for a, b in times)
    return f"""\
  - name: {name}
    time_intervals:
      - weekdays: [{", ".join(days)}]
        times:{ranges}
"""


def interval_far_from_now(name: str, now: datetime | None = None) -> str:
    """A time interval that is not active today, yesterday or tomorrow (UTC)."""
    day = _WEEKDAYS[((now or datetime.now(UTC)).weekday() + 3) % 7]
    return f"""\
  - name: {name}
    time_intervals:
      - weekdays: [{day}]
        times: [{{start_time: "00:00", end_time: "24:00"}}]
"""


# --- scenarios ----------------------------------------------------------------------------------

A = fire(alertname="A")
A1 = fire(alertname="A", instance="1")
A2 = fire(alertname="A", instance="2")
A3 = fire(alertname="A", instance="3")


SCENARIOS = [
    Scenario(
        "single_alert_waits_group_wait",
        config(),
        steps=[Post(0.5, [A])],
        expect=[Expect(1.5, "hook")],
    ),
    Scenario(
        "group_wait_batches_alerts_posted_apart",
        config(),
        steps=[Post(0.5, [A1]), Post(0.8, [A2]), Post(1.1, [A3])],
        expect=[Expect(1.5, "hook", firing=3)],
    ),
    Scenario(
        "alert_added_during_group_interval_waits_for_next_tick",
        config(group_interval="2s"),
        steps=[Post(0.5, [A1]), Post(2.0, [A2])],
        expect=[Expect(1.5, "hook", firing=1), Expect(3.5, "hook", firing=2)],
    ),
    Scenario(
        "old_starts_at_flushes_new_group_at_once",
        config(),
        steps=[Post(0.5, [fire(alertname="A", instance="1", starts="now-1h")]), Post(1.0, [A2])],
        expect=[Expect(0.5, "hook", firing=1), Expect(1.5, "hook", firing=2)],
    ),
    Scenario(
        "old_alert_joining_waiting_group_flushes_it_at_once",
        config(group_wait="2s"),
        steps=[Post(0.5, [A1]), Post(1.0, [fire(alertname="A", instance="2", starts="now-1h")])],
        expect=[Expect(1.0, "hook", firing=2)],
    ),
    Scenario(
        # Fact 4: repeat_interval is only looked at on group_interval ticks: 3 s after the
        # first notification there is no tick, the repeat comes with the tick 4 s after it.
        "repeat_interval_is_checked_on_group_interval_ticks",
        config(group_interval="2s", repeat_interval="3s"),
        steps=[Post(0.5, [A])],
        settle=6.5,
        expect=[Expect(1.5, "hook"), Expect(5.5, "hook")],
    ),
    Scenario(
        # The repeat waits for the first tick at least repeat_interval after the first
        # notification: 3 s, not 2.5 s. (A repeat_interval that is an exact multiple of
        # group_interval is a race in Alertmanager: the notification log is stamped after
        # the send, the tick is measured from the timer, and which is later decides whether
        # the repeat comes on the tick 3 s after or the one 4 s after; 1 run in 8 differs.)
        "repeat_interval_between_ticks_repeats_at_the_next_tick",
        config(group_interval="1s", repeat_interval="2500ms"),
        steps=[Post(0.5, [A])],
        settle=5.5,
        expect=[Expect(1.5, "hook"), Expect(4.5, "hook")],
    ),
    Scenario(
        "send_resolved_notifies_the_resolution_at_next_tick",
        config(),
        steps=[Post(0.5, [A]), Resolve(2.0, [A])],
        expect=[Expect(1.5, "hook"), Expect(2.5, "hook", firing=0, resolved=1)],
    ),
    Scenario(
        "send_resolved_false_never_notifies_resolutions",
        config(send_resolved=False),
        steps=[
            Post(0.5, [A1, A2]),
            Resolve(2.0, [A1]),
            Post(3.0, [A3]),
            Resolve(4.0, [A2, A3]),
        ],
        expect=[Expect(1.5, "hook", firing=2), Expect(3.5, "hook", firing=2)],
    ),
    Scenario(
        "partial_resolution_sends_firing_and_resolved_together",
        config(),
        steps=[Post(0.5, [A1, A2]), Resolve(2.0, [A1]), Resolve(4.0, [A2])],
        expect=[
            Expect(1.5, "hook", firing=2),
            Expect(2.5, "hook", firing=1, resolved=1),
            Expect(4.5, "hook", firing=0, resolved=1),
        ],
    ),
    Scenario(
        # Alertmanager removes empty groups only every 30 s (the dispatcher's maintenance,
        # counted from its start or last reload): the alert firing again soon after its
        # resolution was sent joins the old, empty group and goes out at that group's next
        # tick (5.5 s), not after a new group_wait (5.0 s).
        "alert_firing_again_soon_after_its_resolution_joins_the_lingering_group",
        config(group_interval="2s"),
        steps=[Post(0.5, [A]), Resolve(2.0, [A]), Post(4.0, [A])],
        settle=3.0,
        expect=[
            Expect(1.5, "hook"),
            Expect(3.5, "hook", firing=0, resolved=1),
            Expect(5.5, "hook"),
        ],
    ),
    Scenario(
        "nested_routes_inherit_the_receiver",
        config(
            """\
    - matchers: ['team="db"']
      receiver: ops.team+1
      routes:
        - matchers: ['severity="critical"']
          group_by: [alertname, instance]
    - matchers: ['team="web"']
      routes:
        - matchers: ['env="prod"']
          receiver: webprod
""",
            names=("root", "ops.team+1", "webprod"),
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A", team="db", severity="critical", instance="1"),
                    fire(alertname="A", team="db", severity="critical", instance="2"),
                    fire(alertname="A", team="db", severity="warning"),
                    fire(alertname="B", team="web", env="dev"),
                    fire(alertname="B", team="web", env="prod"),
                    fire(alertname="C"),
                ],
            )
        ],
        expect=[
            Expect(1.5, r"ops\.team\+1", group={"alertname": "A", "instance": "1"}),
            Expect(1.5, r"ops\.team\+1", group={"alertname": "A", "instance": "2"}),
            Expect(1.5, r"ops\.team\+1", group={"alertname": "A"}),
            Expect(1.5, "root", group={"alertname": "B"}),
            Expect(1.5, "webprod", group={"alertname": "B"}),
            Expect(1.5, "root", group={"alertname": "C"}),
        ],
    ),
    Scenario(
        "continue_sends_to_every_matching_sibling",
        config(
            """\
    - matchers: ['severity=~"critical|warning"']
      receiver: sev
      continue: true
    - matchers: ['team="ops"']
      receiver: ops
    - matchers: ['team="ops"']
      receiver: never
""",
            names=("root", "sev", "ops", "never"),
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="X", team="ops", severity="critical"),
                    fire(alertname="Y", team="ops"),
                    # Only a `continue: true` child matches: the root receiver gets nothing.
                    fire(alertname="Z", team="dev", severity="warning"),
                    fire(alertname="W"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "sev", group={"alertname": "X"}),
            Expect(1.5, "ops", group={"alertname": "X"}),
            Expect(1.5, "ops", group={"alertname": "Y"}),
            Expect(1.5, "sev", group={"alertname": "Z"}),
            Expect(1.5, "root", group={"alertname": "W"}),
        ],
    ),
    Scenario(
        "sibling_routes_with_identical_matchers_share_a_group_key",
        config(
            """\
    - matchers: ['team="ops"']
      receiver: first
      continue: true
    - matchers: ['team="ops"']
      receiver: second
""",
            names=("root", "first", "second"),
        ),
        steps=[
            Post(0.5, [fire(alertname="A", team="ops")]),
            Resolve(2.0, [fire(alertname="A", team="ops")]),
        ],
        expect=[
            Expect(1.5, "first"),
            Expect(1.5, "second"),
            Expect(2.5, "first", firing=0, resolved=1),
            Expect(2.5, "second", firing=0, resolved=1),
        ],
    ),
    Scenario(
        "group_by_several_labels",
        config(group_by="[alertname, env]"),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A", env="prod", instance="1"),
                    fire(alertname="A", env="prod", instance="2"),
                    fire(alertname="A", env="dev", instance="1"),
                    fire(alertname="B", env="prod", instance="1"),
                    fire(alertname="A", instance="3"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "hook", firing=2, group={"alertname": "A", "env": "prod"}),
            Expect(1.5, "hook", group={"alertname": "A", "env": "dev"}),
            Expect(1.5, "hook", group={"alertname": "B", "env": "prod"}),
            Expect(1.5, "hook", group={"alertname": "A"}),
        ],
    ),
    Scenario(
        "group_by_all_labels_makes_one_group_per_alert",
        config(group_by="['...']"),
        steps=[Post(0.5, [A1, A2, fire(alertname="B")]), Resolve(2.0, [A1])],
        expect=[
            Expect(1.5, "hook", group={"alertname": "A", "instance": "1"}),
            Expect(1.5, "hook", group={"alertname": "A", "instance": "2"}),
            Expect(1.5, "hook", group={"alertname": "B"}),
            Expect(2.5, "hook", firing=0, resolved=1, group={"alertname": "A", "instance": "1"}),
        ],
    ),
    Scenario(
        "no_group_by_makes_one_group_per_route",
        config(
            """\
    - matchers: ['team="ops"']
      receiver: ops
""",
            group_by="[]",
            names=("root", "ops"),
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A"),
                    fire(alertname="B"),
                    fire(alertname="C", team="ops"),
                    fire(alertname="D", team="ops"),
                ],
            )
        ],
        expect=[Expect(1.5, "root", firing=2, group={}), Expect(1.5, "ops", firing=2, group={})],
    ),
    Scenario(
        "regex_matchers_are_anchored",
        config(
            """\
    - matchers: ['severity=~"crit|warn"']
      receiver: pager
""",
            names=("root", "pager"),
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A", severity="critical"),
                    fire(alertname="B", severity="crit"),
                    fire(alertname="C", severity="warn"),
                    fire(alertname="D", severity="warning"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "root", group={"alertname": "A"}),
            Expect(1.5, "pager", group={"alertname": "B"}),
            Expect(1.5, "pager", group={"alertname": "C"}),
            Expect(1.5, "root", group={"alertname": "D"}),
        ],
    ),
    Scenario(
        "negative_matchers_match_absent_labels",
        config(
            """\
    - matchers: ['team!="ops"']
      receiver: notops
      continue: true
    - matchers: ['env!~"dev.*"']
      receiver: notdev
      continue: true
    - matchers: ['zone=""']
      receiver: nozone
""",
            names=("root", "notops", "notdev", "nozone"),
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A"),
                    fire(alertname="B", team="ops", env="dev1", zone="z"),
                    fire(alertname="C", team="ops", env="prod", zone="z"),
                    fire(alertname="D", team="web", env="dev", zone="z"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "notops", group={"alertname": "A"}),
            Expect(1.5, "notdev", group={"alertname": "A"}),
            Expect(1.5, "nozone", group={"alertname": "A"}),
            Expect(1.5, "root", group={"alertname": "B"}),
            Expect(1.5, "notdev", group={"alertname": "C"}),
            Expect(1.5, "notops", group={"alertname": "D"}),
        ],
    ),
    Scenario(
        "legacy_match_and_match_re",
        config(
            """\
    - match: {team: ops}
      receiver: ops
    - match_re: {service: "api|web"}
      receiver: svc
""",
            names=("root", "ops", "svc"),
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A", team="ops"),
                    fire(alertname="B", service="api"),
                    fire(alertname="C", service="apis"),
                    fire(alertname="D", service="web"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "ops", group={"alertname": "A"}),
            Expect(1.5, "svc", group={"alertname": "B"}),
            Expect(1.5, "root", group={"alertname": "C"}),
            Expect(1.5, "svc", group={"alertname": "D"}),
        ],
    ),
    Scenario(
        "inhibition_with_equal_labels",
        config(
            extra="""\
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
"""
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="Crit", severity="critical", cluster="a"),
                    fire(alertname="WarnA", severity="warning", cluster="a"),
                    fire(alertname="WarnB", severity="warning", cluster="b"),
                    fire(alertname="CritNone", severity="critical"),
                    # `cluster` absent on both sides counts as equal: inhibited by CritNone.
                    fire(alertname="WarnNone", severity="warning"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "hook", group={"alertname": "Crit"}),
            Expect(1.5, "hook", group={"alertname": "WarnB"}),
            Expect(1.5, "hook", group={"alertname": "CritNone"}),
        ],
    ),
    Scenario(
        "inhibition_alerts_matching_both_sides_inhibit_only_target_only_alerts",
        config(
            extra="""\
inhibit_rules:
  - source_matchers: ['src="yes"']
    target_matchers: ['tgt="yes"']
"""
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="X", src="yes", tgt="yes"),
                    fire(alertname="Y", src="yes", tgt="yes"),
                    fire(alertname="Z", tgt="yes"),
                ],
            )
        ],
        expect=[
            Expect(1.5, "hook", group={"alertname": "X"}),
            Expect(1.5, "hook", group={"alertname": "Y"}),
        ],
    ),
    Scenario(
        # Fact 10: the target's group notifies at its next tick, not after a new group_wait.
        "inhibition_ends_at_next_tick_after_the_source_resolves",
        config(
            group_interval="2s",
            extra="""\
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
""",
        ),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="Crit", severity="critical", cluster="a"),
                    fire(alertname="Warn", severity="warning", cluster="a"),
                ],
            ),
            Resolve(2.0, [fire(alertname="Crit", severity="critical", cluster="a")]),
        ],
        expect=[
            Expect(1.5, "hook", group={"alertname": "Crit"}),
            Expect(3.5, "hook", firing=0, resolved=1, group={"alertname": "Crit"}),
            Expect(3.5, "hook", group={"alertname": "Warn"}),
        ],
    ),
    Scenario(
        # Fact 10: after the silence expires, the group notifies at its next tick.
        "silence_mutes_a_group_until_it_expires",
        config(group_interval="2s"),
        steps=[
            Silence(0.2, "all-A", ['alertname="A"']),
            Post(0.5, [A1, A2]),
            Expire(2.0, "all-A"),
        ],
        expect=[Expect(3.5, "hook", firing=2)],
    ),
    Scenario(
        "silence_mutes_one_alert_of_a_group",
        config(group_interval="2s"),
        steps=[
            Silence(0.2, "instance-2", ['alertname="A"', 'instance=~"2"']),
            Post(0.5, [A1, A2, A3]),
            Expire(2.0, "instance-2"),
        ],
        expect=[Expect(1.5, "hook", firing=2), Expect(3.5, "hook", firing=3)],
    ),
    Scenario(
        "mute_time_interval_active_now_sends_nothing",
        config(
            """\
    - matchers: ['team="ops"']
      receiver: ops
      mute_time_intervals: [now]
""",
            names=("root", "ops"),
            extra="time_intervals:\n" + interval_around_now("now"),
        ),
        steps=[Post(0.5, [fire(alertname="A", team="ops"), fire(alertname="B")]), Wait(2.0)],
        expect=[Expect(1.5, "root", group={"alertname": "B"})],
    ),
    Scenario(
        "active_time_interval_not_active_now_sends_nothing",
        config(
            """\
    - matchers: ['team="ops"']
      receiver: ops
      active_time_intervals: [later]
""",
            names=("root", "ops"),
            extra="time_intervals:\n" + interval_far_from_now("later"),
        ),
        steps=[Post(0.5, [fire(alertname="A", team="ops"), fire(alertname="B")]), Wait(2.0)],
        expect=[Expect(1.5, "root", group={"alertname": "B"})],
    ),
    Scenario(
        # Defined under the legacy top-level `mute_time_intervals` key.
        "time_intervals_mute_not_active_and_active_now_send",
        config(
            """\
    - matchers: ['team="ops"']
      receiver: ops
      mute_time_intervals: [later]
    - matchers: ['team="web"']
      receiver: web
      active_time_intervals: [now]
""",
            names=("root", "ops", "web"),
            extra="mute_time_intervals:\n"
            + interval_far_from_now("later")
            + interval_around_now("now"),
        ),
        steps=[Post(0.5, [fire(alertname="A", team="ops"), fire(alertname="B", team="web")])],
        expect=[Expect(1.5, "ops"), Expect(1.5, "web")],
    ),
    Scenario(
        # Fact 11: the kept alerts are the first in job/instance/labels order, and
        # `status` and `commonLabels` come from them: with the two kept alerts resolved,
        # the notification says "resolved" although two alerts still fire.
        "max_alerts_truncates_and_computes_status_from_kept_alerts",
        config(max_alerts=2),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="A", job="d", tier="back"),
                    fire(alertname="A", job="c", tier="back"),
                    fire(alertname="A", job="b", tier="front"),
                    fire(alertname="A", job="a", tier="front"),
                ],
            ),
            Resolve(
                2.0,
                [
                    fire(alertname="A", job="a", tier="front"),
                    fire(alertname="A", job="b", tier="front"),
                ],
            ),
        ],
        expect=[
            Expect(1.5, "hook", firing=2),
            Expect(2.5, "hook", firing=0, resolved=2),
        ],
    ),
    Scenario(
        # Fact 6: only the firing and resolved sets count; new annotations ride along later.
        "annotation_change_alone_sends_nothing",
        config(),
        steps=[
            Post(0.5, [fire(alertname="A", instance="1", annotations={"summary": "one"})]),
            Post(2.0, [fire(alertname="A", instance="1", annotations={"summary": "two"})]),
            Post(4.0, [fire(alertname="A", instance="2", annotations={"summary": "two"})]),
        ],
        expect=[Expect(1.5, "hook"), Expect(4.5, "hook", firing=2)],
    ),
    Scenario(
        "many_groups_are_each_notified_once",
        config(group_by="[instance]"),
        steps=[Post(0.5, [fire(alertname="A", instance=f"i{n:02d}") for n in range(50)])],
        expect=[Expect(1.5, "hook", group={"instance": f"i{n:02d}"}) for n in range(50)],
    ),
    Scenario(
        # The groups are re-created by the reload: they flush at once (their alerts are
        # older than group_wait) and the notification log suppresses the duplicate; their
        # ticks are now counted from the reload, which takes Alertmanager about 0.15 s
        # (4.65 s and not 3.5 s for the new alert).
        "reload_without_routing_change_sends_no_duplicate",
        config(group_interval="2s"),
        steps=[
            Post(0.5, [A1]),
            Reload(2.5, config(group_interval="2s", names=("hook", "unused"))),
            Post(3.0, [A2]),
        ],
        expect=[Expect(1.5, "hook"), Expect(4.65, "hook", firing=2)],
    ),
    Scenario(
        # Facts 5 and 22: the alert lands in a new group of a new route, which flushes at
        # once since the alert is older than group_wait.
        "reload_with_routing_change_regroups_and_flushes_at_once",
        config(names=("hook", "ops")),
        steps=[
            Post(0.5, [fire(alertname="A", team="ops"), fire(alertname="B")]),
            Reload(
                2.2,
                config(
                    """\
    - matchers: ['team="ops"']
      receiver: ops
      group_by: [alertname, team]
""",
                    names=("hook", "ops"),
                ),
            ),
        ],
        expect=[
            Expect(1.5, "hook", group={"alertname": "A"}),
            Expect(1.5, "hook", group={"alertname": "B"}),
            Expect(2.35, "ops", group={"alertname": "A", "team": "ops"}),
        ],
    ),
    Scenario(
        # Fact 8 holds for an alert alone in its group ("Old"); one that shares its group
        # with a firing alert rides along as resolved in the group's first notification.
        "alert_resolved_when_first_posted_is_only_sent_along_with_firing_ones",
        config(),
        steps=[
            Post(
                0.5,
                [
                    fire(alertname="Old", starts="now-10m", ends="now-1m"),
                    fire(alertname="Mix", instance="1"),
                    fire(alertname="Mix", instance="2", starts="now-500ms", ends="now-100ms"),
                ],
            )
        ],
        expect=[Expect(1.5, "hook", firing=1, resolved=1, group={"alertname": "Mix"})],
    ),
    Scenario(
        # Fact 9: a 5xx is retried within the same flush after an exponential backoff whose
        # first step is random (0.25–0.75 s in Alertmanager), so the retry's arrival time
        # may differ by up to 0.5 s between two runs: hence the wider tolerance.
        "webhook_5xx_is_retried_within_the_flush",
        config(),
        steps=[Post(0.5, [A])],
        failures={"/hook": [500]},
        tolerance=0.7,
        expect=[Expect(1.5, "hook"), Expect(2.0, "hook")],
    ),
    Scenario(
        # A 4xx is not retried; nothing was recorded as sent, so the next tick sends again.
        "webhook_4xx_is_not_retried_and_sent_again_at_next_tick",
        config(),
        steps=[Post(0.5, [A])],
        failures={"/hook": [400]},
        expect=[Expect(1.5, "hook"), Expect(2.5, "hook")],
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_notifications_match_alertmanagers(scenario: Scenario) -> None:
    run_scenario(scenario)
