"""The routing tree: matching, continue, and what a route inherits from its parent."""

from __future__ import annotations

from tocsin.config import load_config_text
from tocsin.pipeline import RouteNode, build_routes

CONFIG = """
route:
  receiver: root
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['team="db"']
      receiver: dba
      group_by: ['...']
      group_interval: 1m
      routes:
        - matchers: ['severity="critical"']
          receiver: dba-pager
          repeat_interval: 30m
        - match: {severity: warning}
          group_by: [instance]
    - match_re: {service: 'api|web'}
      receiver: frontend
      continue: true
      mute_time_intervals: [nights]
    - matchers: ['env!~"dev.*"']
      receiver: prod
      group_by: []
receivers:
  - name: root
  - name: dba
  - name: dba-pager
  - name: frontend
  - name: prod
time_intervals:
  - name: nights
    time_intervals: [{times: [{start_time: '00:00', end_time: '06:00'}]}]
"""


def tree() -> RouteNode:
    return build_routes(load_config_text(CONFIG).route)


def test_first_matching_child_wins_and_continue_goes_on() -> None:
    root = tree()
    assert root.receivers({"team": "db", "severity": "critical"}) == ["dba-pager"]
    assert root.receivers({"service": "api", "env": "prod"}) == ["frontend", "prod"]
    # Regexes are anchored: "apix" is not "api|web"; an absent env is "" (not dev.*).
    assert root.receivers({"service": "apix"}) == ["prod"]
    assert root.receivers({"env": "dev1"}) == ["root"]


def test_only_continue_children_match_then_parent_gets_nothing() -> None:
    root = tree()
    assert root.receivers({"service": "web", "env": "dev"}) == ["frontend"]


def test_options_are_inherited_down_the_tree() -> None:
    root = tree()
    (pager,) = root.match({"team": "db", "severity": "critical"})
    assert (pager.group_by_all, pager.group_wait, pager.group_interval) == (True, 10.0, 60.0)
    assert (pager.repeat_interval, pager.receiver) == (1800.0, "dba-pager")
    (warning,) = root.match({"team": "db", "severity": "warning"})
    # Explicit labels replace an inherited '...'; the receiver comes from the parent.
    assert (warning.group_by, warning.group_by_all, warning.receiver) == (
        ("instance",),
        False,
        "dba",
    )
    assert warning.repeat_interval == 4 * 3600.0  # Alertmanager's default, from the root
    (prod,) = root.match({"env": "prod"})
    assert prod.group_by == ("alertname",)  # an empty list inherits
    assert (root.group_interval, root.repeat_interval) == (300.0, 14400.0)


def test_keys_and_paths_tell_routes_apart() -> None:
    root = tree()
    (pager,) = root.match({"team": "db", "severity": "critical"})
    assert pager.key == '{}/{team="db"}/{severity="critical"}'
    assert pager.path == "0.0"
    frontend, prod = root.match({"service": "web", "env": "prod"})
    assert (frontend.path, prod.path) == ("1", "2")
    assert frontend.mute_time_intervals == ["nights"]
    assert prod.mute_time_intervals == []  # time intervals are not inherited


def test_escalation_policy_is_inherited_like_the_receiver() -> None:
    from tocsin.config import Route
    from tocsin.pipeline import build_routes

    route = Route.model_validate(
        {
            "receiver": "r",
            "escalation_policy": "default",
            "routes": [
                {
                    "matchers": ['team="db"'],
                    "escalation_policy": "db",
                    "routes": [{"matchers": ['severity="critical"']}],
                },
                {"matchers": ['team="web"']},
            ],
        }
    )
    root = build_routes(route)
    assert [n.escalation_policy for n in root.match({"team": "db", "severity": "critical"})] == [
        "db"
    ]
    assert [n.escalation_policy for n in root.match({"team": "web"})] == ["default"]
    assert root.escalation_policy == "default"
