"""The ``escalation_policies`` section: the documented example, defaults, and every error
at its file:line:col and key path."""

from __future__ import annotations

import textwrap

import pytest

from tocsin.config import Config, ConfigError, load_config_text
from tocsin.config._escalation import EscalationPolicy
from tocsin.escalation import Person, person_from_config

PEOPLE = """\
route:
  receiver: r
  escalation_policy: payments
receivers: [{name: r}, {name: payments-slack}]
users:
  - name: alice
    slack_user_id: U01
    phone: "+14155550100"
    notification_rules:
      - {contact: slack}
      - {after: 5m, contact: sms}
      - {after: 10m, contact: voice}
  - name: carol
    email: carol@example.com
  - name: manager
    email: manager@example.com
    contact_methods:
      - {name: work, type: sms, address: "+14155550101"}
      - {name: home, type: sms, address: "+14155550102"}
      - {type: email, address: manager@example.com}
    notification_rules:
      - {contact: email}
      - {after: 2m, contact: sms}
teams:
  - name: payments
    members: [alice, carol]
    receiver: payments-slack
schedules:
  - name: payments-primary
    layers:
      - {name: l, participants: [alice], shift: 1w, start: "2026-03-06 09:00"}
  - name: payments-secondary
    layers:
      - {name: l, participants: [carol], shift: 1w, start: "2026-03-06 09:00"}
"""

DOCUMENTED = """\
escalation_policies:
  - name: payments
    repeat: 2                   # run the whole list of levels this many more times
    ack_timeout: 30m            # an acknowledgement expires after this
    require_ack_comment: [P0]   # severities whose acknowledgement needs a comment
    levels:
      - targets: [{schedule: payments-primary}]
        delay: 15m
      - targets: [{schedule: payments-secondary}, {user: carol}]
        delay: 15m
      - targets: [{team: payments}]
        delay: 30m
    ultimate: [{user: manager}]
    severities:
      P2:
        levels:
          - targets: [{schedule: payments-primary}]
            delay: 30m
          - targets: [{schedule: payments-secondary}]
            delay: 60m
"""


def load(text: str) -> Config:
    return load_config_text(PEOPLE + textwrap.dedent(text), filename="x.yml")


BASE = "route:\n  receiver: r\nreceivers: [{name: r}]\n"


def errors_of(text: str) -> list[str]:
    """Errors of ``text`` after three lines of route and receivers (the policy's own
    checks need no people)."""
    with pytest.raises(ConfigError) as info:
        load_config_text(BASE + text, filename="x.yml")
    return [str(issue) for issue in info.value.issues]


def test_the_documented_policy_loads() -> None:
    config = load(DOCUMENTED)
    (pol,) = config.escalation_policies
    assert pol.name == "payments"
    assert pol.repeat == 2
    assert pol.ack_timeout is not None
    assert pol.ack_timeout.seconds == 1800
    assert pol.require_ack_comment == ["P0"]
    assert [lv.delay.seconds for lv in pol.levels] == [900, 900, 1800]
    assert [[(t.kind, t.name) for t in lv.targets] for lv in pol.levels] == [
        [("schedule", "payments-primary")],
        [("schedule", "payments-secondary"), ("user", "carol")],
        [("team", "payments")],
    ]
    assert [(t.kind, t.name) for t in pol.ultimate] == [("user", "manager")]
    assert pol.levels_key("P2") == "P2"
    assert pol.levels_key("P0") == "default"
    assert [lv.delay.seconds for lv in pol.levels_for("P2")] == [1800, 3600]
    assert pol.levels_for("default") is pol.levels
    assert pol.levels_for("P1") is pol.levels
    assert pol.requires_comment("P0")
    assert not pol.requires_comment("P1")


def test_defaults_delay_15m_no_repeat_no_timeout_no_comment_no_ultimate() -> None:
    config = load("""\
        escalation_policies:
          - name: payments
            levels: [{targets: [{user: alice}]}]
        """)
    (pol,) = config.escalation_policies
    assert pol.levels[0].delay.seconds == 900
    assert pol.repeat == 0
    assert pol.ack_timeout is None
    assert pol.require_ack_comment == []
    assert pol.ultimate == []
    assert pol.severities == {}


def test_escalation_policies_may_be_empty_without_routes_naming_one() -> None:
    config = load_config_text(
        "route: {receiver: r}\nreceivers: [{name: r}]\nescalation_policies:\n"
    )
    assert config.escalation_policies == []


POLICY = "escalation_policies:\n  - name: payments\n"

CASES = [
    pytest.param(
        POLICY + "    levels: []\n",
        [
            "x.yml:6:13: escalation_policies[0].levels: "
            "an escalation policy needs at least one level"
        ],
        id="no-levels",
    ),
    pytest.param(
        POLICY + "    repeat: 1\n",
        ["x.yml:5:5: escalation_policies[0]: an escalation policy needs at least one level"],
        id="levels-missing",
    ),
    pytest.param(
        "escalation_policies:\n  - levels: [{targets: [{user: alice}]}]\n",
        ["x.yml:5:5: escalation_policies[0]: missing name in escalation policy"],
        id="no-name",
    ),
    pytest.param(
        POLICY + "    levels:\n      - targets: []\n",
        ["x.yml:7:18: escalation_policies[0].levels[0].targets: a level needs at least one target"],
        id="level-without-targets",
    ),
    pytest.param(
        POLICY + "    levels:\n      - delay: 5m\n",
        ["x.yml:7:9: escalation_policies[0].levels[0]: missing required field"],
        id="level-targets-missing",
    ),
    pytest.param(
        POLICY + "    levels:\n      - targets: [{user: alice, team: payments}]\n",
        [
            "x.yml:7:19: escalation_policies[0].levels[0].targets[0]: "
            "a target names exactly one of user, schedule or team"
        ],
        id="target-with-two-kinds",
    ),
    pytest.param(
        POLICY + "    levels:\n      - targets: [{}]\n",
        [
            "x.yml:7:19: escalation_policies[0].levels[0].targets[0]: "
            "a target names exactly one of user, schedule or team"
        ],
        id="target-with-no-kind",
    ),
    pytest.param(
        POLICY + "    levels:\n      - targets: [{group: ops}]\n",
        ['x.yml:7:20: escalation_policies[0].levels[0].targets[0].group: unknown field "group"'],
        id="target-unknown-kind",
    ),
    pytest.param(
        POLICY + "    levels:\n      - targets: [{user: alice}]\n        delay: 0s\n",
        ["x.yml:8:16: escalation_policies[0].levels[0].delay: delay must be greater than 0"],
        id="zero-delay",
    ),
    pytest.param(
        POLICY + "    levels:\n      - targets: [{user: alice}]\n        delay: soon\n",
        ['x.yml:8:16: escalation_policies[0].levels[0].delay: not a valid duration string: "soon"'],
        id="bad-delay",
    ),
    pytest.param(
        POLICY + "    ack_timeout: 0s\n    levels: [{targets: [{user: alice}]}]\n",
        ["x.yml:6:18: escalation_policies[0].ack_timeout: ack_timeout must be greater than 0"],
        id="zero-ack-timeout",
    ),
    pytest.param(
        POLICY + "    repeat: -1\n    levels: [{targets: [{user: alice}]}]\n",
        ["x.yml:6:13: escalation_policies[0].repeat: must be at least 0, got the number -1"],
        id="negative-repeat",
    ),
    pytest.param(
        POLICY + "    repeat: twice\n    levels: [{targets: [{user: alice}]}]\n",
        ['x.yml:6:13: escalation_policies[0].repeat: expected an integer, got the string "twice"'],
        id="repeat-not-a-number",
    ),
    pytest.param(
        POLICY + "    require_ack_comment: [critical]\n    levels: [{targets: [{user: alice}]}]\n",
        [
            "x.yml:6:27: escalation_policies[0].require_ack_comment[0]: must be one of "
            "'P0', 'P1', 'P2' or 'P3', got the string \"critical\""
        ],
        id="comment-severity-unknown",
    ),
    pytest.param(
        POLICY
        + "    levels: [{targets: [{user: alice}]}]\n    severities:\n      P2: {levels: []}\n",
        [
            "x.yml:8:20: escalation_policies[0].severities.P2.levels: "
            "an escalation policy needs at least one level"
        ],
        id="severity-without-levels",
    ),
    pytest.param(
        POLICY
        + "    levels: [{targets: [{user: alice}]}]\n    severities:\n      high: {levels: []}\n",
        [
            "x.yml:8:7: escalation_policies[0].severities.high: must be one of "
            "'P0', 'P1', 'P2' or 'P3', got the string \"high\"",
            "x.yml:8:22: escalation_policies[0].severities.high.levels: "
            "an escalation policy needs at least one level",
        ],
        id="severity-unknown",
    ),
    pytest.param(
        POLICY + "    levels: [{targets: [{user: alice}]}]\n    escalate_after: 5m\n",
        ['x.yml:7:5: escalation_policies[0].escalate_after: unknown field "escalate_after"'],
        id="unknown-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_bad_policy_is_reported_at_its_position(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_cross_references_are_checked_against_the_whole_file() -> None:
    text = """\
        escalation_policies:
          - name: payments
            levels:
              - targets: [{schedule: payments-primary}, {schedule: gone}]
              - targets: [{team: payments}, {user: bob}, {team: ops}]
            ultimate: [{user: manager}, {user: boss}]
            severities:
              P2:
                levels: [{targets: [{user: dave}]}]
          - name: payments
            levels: [{targets: [{user: carol}]}]
          - name: other
            levels: [{targets: [{user: carol}]}]
        """
    with pytest.raises(ConfigError) as info:
        load_config_text(
            PEOPLE.replace("escalation_policy: payments", "escalation_policy: pay")
            + textwrap.dedent(text),
            filename="x.yml",
        )
    assert [str(i) for i in info.value.issues] == [
        'x.yml:3:22: route.escalation_policy: undefined escalation policy "pay" used in route',
        "x.yml:38:60: escalation_policies[0].levels[0].targets[1].schedule: "
        'undefined schedule "gone" in escalation policy "payments"',
        "x.yml:39:44: escalation_policies[0].levels[1].targets[1].user: "
        'undefined user "bob" in escalation policy "payments"',
        "x.yml:39:57: escalation_policies[0].levels[1].targets[2].team: "
        'undefined team "ops" in escalation policy "payments"',
        "x.yml:40:40: escalation_policies[0].ultimate[1].user: "
        'undefined user "boss" in escalation policy "payments"',
        "x.yml:43:36: escalation_policies[0].severities.P2.levels[0].targets[0].user: "
        'undefined user "dave" in escalation policy "payments"',
        'x.yml:44:11: escalation_policies[1].name: escalation policy name "payments" is not unique',
    ]


def test_every_route_in_the_tree_must_name_a_defined_policy() -> None:
    text = PEOPLE.replace(
        "  escalation_policy: payments\n",
        "  routes:\n"
        "    - receiver: r\n"
        "      routes:\n"
        "        - receiver: r\n"
        "          escalation_policy: nobody\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config_text(text + DOCUMENTED, filename="x.yml")
    assert [str(i) for i in info.value.issues] == [
        "x.yml:7:30: route.routes[0].routes[0].escalation_policy: "
        'undefined escalation policy "nobody" used in route'
    ]


def test_a_route_without_escalation_needs_no_policy() -> None:
    text = PEOPLE.replace("  escalation_policy: payments\n", "")
    assert load_config_text(text).escalation_policies == []


def test_targets_lists_every_target_with_its_path() -> None:
    (pol,) = load(DOCUMENTED).escalation_policies
    assert [(path, t.kind, t.name) for path, t in pol.targets()] == [
        (("levels", 0, "targets", 0), "schedule", "payments-primary"),
        (("levels", 1, "targets", 0), "schedule", "payments-secondary"),
        (("levels", 1, "targets", 1), "user", "carol"),
        (("levels", 2, "targets", 0), "team", "payments"),
        (("ultimate", 0), "user", "manager"),
        (("severities", "P2", "levels", 0, "targets", 0), "schedule", "payments-primary"),
        (("severities", "P2", "levels", 1, "targets", 0), "schedule", "payments-secondary"),
    ]


def test_a_policy_validates_on_its_own() -> None:
    pol = EscalationPolicy.model_validate(
        {"name": "p", "levels": [{"targets": [{"user": "a"}], "delay": "1h"}]}
    )
    assert pol.levels[0].delay.seconds == 3600


def test_people_come_from_the_users_notification_rules_and_teams() -> None:
    config = load(DOCUMENTED)
    people = {u.name: person_from_config(u, config.teams) for u in config.users}
    assert people == {
        "alice": Person("alice", ((0.0, "slack"), (300.0, "sms"), (600.0, "voice")), ("payments",)),
        "carol": Person("carol", ((0.0, "email"),), ("payments",)),
        # two sms numbers due at the same time are one attempt by sms
        "manager": Person("manager", ((0.0, "email"), (120.0, "sms")), ()),
    }
