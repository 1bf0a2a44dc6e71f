"""Fingerprints and matcher semantics agree with the real Alertmanager 0.25.

Alerts are posted to a running Alertmanager; the fingerprints it reports and the alerts its
``filter=`` parameter selects are compared with ``tocsin.model.fingerprint`` and
``tocsin.model.parse_matcher`` over the same label sets.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator, Mapping

import pytest
from tests.support.alertmanager import WEBHOOK_CONFIG, AlertmanagerProcess, running_alertmanager

from tocsin.model import MatcherError, fingerprint, parse_matcher

pytestmark = pytest.mark.external

_ODD_VALUES = [
    "",
    " ",
    "  padded  ",
    "\xff",
    "ÿÿ",
    "a\xffb",
    "\ufffd",
    '"quoted"',
    'say "hi"',
    "back\\slash",
    "\\",
    "line\nbreak",
    "tab\there",
    "\x01control",
    "é",
    "e\u0301",
    "日本語",
    "🔥",
    "emoji 🚨 alert",
    "=~",
    '{a="b"}',
    ",",
    "a,b",
    "0",
    "x" * 300,
]


def _random_name(rng: random.Random) -> str:
    first = rng.choice(string.ascii_letters + "_")
    rest = "".join(
        rng.choice(string.ascii_letters + string.digits + "_") for _ in range(rng.randint(0, 12))
    )
    return first + rest


def _random_value(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(_ODD_VALUES)
    alphabet = string.printable + "äöüßÿ€日本🚨\u0301\xa0"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20)))


def _label_sets() -> list[dict[str, str]]:
    """Varied label sets, each distinct once empty values are dropped."""
    sets: list[dict[str, str]] = [
        # Textual concatenations that collide without separators.
        {"a": "bc"},
        {"ab": "c"},
        {"a": "b", "c": "d"},
        {"a": "bcd"},
        {"abc": "d"},
        {"a": "b\xffc"},
        {"a": "b", "\xff": "x"} if False else {"a_": "b"},
        {"_": "x"},
        {"__name__": "up", "job": "node"},
        {"alertname": "Many", **{f"label_{i:03d}": f"value {i}" for i in range(120)}},
        {"alertname": "Empty", "gone": ""},  # empty values are dropped by Alertmanager
        {"A": "upper"},
        {"a": "upper"},
    ]
    sets += [{"alertname": "Odd", "v": v} for v in _ODD_VALUES if v]
    rng = random.Random(20230409)
    for _ in range(300):
        n = rng.randint(1, 8)
        sets.append({_random_name(rng): _random_value(rng) for _ in range(n)})
    unique: dict[str, dict[str, str]] = {}
    for labels in sets:
        kept = {k: v for k, v in labels.items() if v}
        if kept:
            unique.setdefault(json.dumps(kept, sort_keys=True), labels)
    return list(unique.values())


def _post(am: AlertmanagerProcess, label_sets: list[dict[str, str]]) -> None:
    with am.client() as client:
        for start in range(0, len(label_sets), 100):
            batch = [{"labels": labels} for labels in label_sets[start : start + 100]]
            response = client.post("/api/v2/alerts", json=batch)
            assert response.status_code == 200, response.text


def _key(labels: Mapping[str, str]) -> str:
    return json.dumps({k: v for k, v in labels.items() if v}, sort_keys=True)


def test_fingerprints_equal_alertmanager_fingerprints(alertmanager: AlertmanagerProcess) -> None:
    label_sets = _label_sets()
    _post(alertmanager, label_sets)
    with alertmanager.client() as client:
        listed = client.get("/api/v2/alerts").json()
    reported = {_key(alert["labels"]): alert["fingerprint"] for alert in listed}
    assert len(reported) >= len(label_sets)
    mismatches = []
    for labels in label_sets:
        kept = {k: v for k, v in labels.items() if v}
        expected = reported[_key(kept)]
        if fingerprint(kept) != expected:
            mismatches.append((kept, expected, fingerprint(kept)))
    assert mismatches == []
    # Alertmanager lists alerts sorted by fingerprint.
    fingerprints = [alert["fingerprint"] for alert in listed]
    assert fingerprints == sorted(fingerprints)


# --- matcher semantics: GET /api/v2/alerts?filter=… -----------------------------------------

_FILTER_ALERTS: list[dict[str, str]] = [
    {"alertname": "Crit", "severity": "critical", "team": "ops", "env": "prod"},
    {"alertname": "Warn", "severity": "warning", "team": "dev", "env": "dev-1"},
    {"alertname": "Crit2", "severity": "crit", "zone": "eu"},
    {"alertname": "Info", "severity": "info", "team": "ops", "msg": 'say "hi"'},
    {"alertname": "Multi", "severity": "Critical", "msg": "line\nbreak", "path": "C:\\tmp"},
    {"alertname": "Uni", "severity": "kritisch", "msg": "日本語 🚨", "zone": "ÿ"},
    {"alertname": "Space", "severity": " warn ", "msg": "a,b", "env": "dev"},
    {"alertname": "Dots", "instance": "host.example.com:9100", "env": "prod"},
    {"alertname": "Dots2", "instance": "hostxexamplexcom:9100"},
    {"alertname": "Trail", "msg": "end\n", "team": "ops-eu"},
]

FILTERS = [
    # =, != and absent labels (an absent label is "")
    "severity=critical",
    'severity="critical"',
    "severity!=critical",
    "zone=",
    'zone=""',
    "zone!=",
    'zone!=""',
    "nosuchlabel=",
    "nosuchlabel!=x",
    "team=ops",
    "team = ops",
    '  team  !=  "ops"  ',
    # =~ and !~ are fully anchored
    'severity=~"crit|warn"',
    "severity=~crit|warn",
    'severity=~"crit.*"',
    'severity=~".*crit.*"',
    'severity=~"(?i)crit.*"',
    'severity!~"crit|warn"',
    'env!~"dev.*"',
    'zone=~""',
    'zone!~".+"',
    'zone=~".*"',
    'env=~"dev|"',
    'instance=~"host.example.com:9100"',
    'instance=~"host\\\\.example\\\\.com:9100"',
    "instance=~host\\.example\\.com:.*",
    'severity=~"Crit.*|crit"',
    'severity=~" warn "',
    'severity=~"\\\\s*warn\\\\s*"',
    "severity=~\\sw.*",
    'severity=~"[[:alpha:]]+"',
    'severity=~"[^c].*"',
    'severity=~"\\\\w+"',
    'severity=~"\\\\pL+"',
    'severity=~"\\\\p{Lu}.*"',
    'severity=~"\\\\x{6b}.*"',
    'severity=~"cr(?:it)+.*"',
    'severity=~"(crit)(ical)?"',
    'severity=~"c.{3,}"',
    'severity=~"c.{3}"',
    'severity=~"crit{1,2}"',
    'severity=~"crit{,2}"',
    'severity=~"crit$"',
    'severity=~"^crit"',
    'severity=~"a)|(crit"',
    'severity=~"(?U)c.*"',
    'severity=~"\\\\Qcrit\\\\E"',
    'severity=~"\\\\bcrit\\\\b"',
    # values with quotes, escapes, newlines, commas, unicode
    'msg="say \\"hi\\""',
    'msg=~"say .hi."',
    'msg="line\\nbreak"',
    'msg=~"line.break"',
    'msg=~"(?s)line.break"',
    'msg=~"line$"',
    'msg=~"(?m)line$\\nbreak"',
    'msg=~"end"',
    'msg=~"end\\n"',
    'msg=~"end\\\\n"',
    'msg=~"end\\\\z"',
    'msg="a,b"',
    "msg=a,b",
    'msg="日本語 🚨"',
    'msg=~"日本.*"',
    'msg=~"\\\\S+ \\\\S"',
    'path="C:\\\\tmp"',
    'path="C:\\tmp"',
    "path=C:\\tmp",
    'path=~"C:.tmp"',
    'zone="ÿ"',
    'zone=~"\\\\xff"',
    'zone=~"\\\\377"',
    # names with colons and underscores
    "a:b=",
    "_x!=y",
]

BAD_FILTERS = [
    "",
    "severity",
    "1abc=x",
    "sev-erity=x",
    'severity="crit',
    'severity=crit"',
    'severity="cr"it"',
    'severity=~"("',
    'severity=~"a)"',
    'severity=~"a**"',
    'severity=~"*a"',
    'severity=~"a|*"',
    'severity=~"\\\\1"',
    'severity=~"(a)\\\\1"',
    'severity=~"(?=a)"',
    'severity=~"(?!a)"',
    'severity=~"(?<=a)b"',
    'severity=~"(?<n>a)"',
    'severity=~"(?P=n)"',
    'severity=~"(?P<n"',
    'severity=~"(?>a)"',
    'severity=~"(?#c)"',
    'severity=~"(?x)a"',
    'severity=~"(?i-)a"',
    'severity=~"a{1001}"',
    'severity=~"a{2,1}"',
    'severity=~"(a{500}){3}"',
    'severity=~"a{2}{3}"',
    'severity=~"a*+"',
    'severity=~"a*??"',
    'severity=~"[a"',
    'severity=~"[z-a]"',
    'severity=~"[[:foo:]]"',
    'severity=~"\\\\C"',
    'severity=~"\\\\Z"',
    'severity=~"\\\\8"',
    'severity=~"\\\\xZ1"',
    'severity=~"\\\\x{}"',
    'severity=~"\\\\x{110000}"',
    'severity=~"\\\\p{Foo}"',
    'severity=~"\\\\p{L"',
    'severity=~"\\\\Qab"',
    'severity=~"a\\\\"',
    'severity=~"[\\\\b]"',
    'severity=~"\\\\e"',
]


@pytest.fixture(scope="module")
def filter_alerts() -> Iterator[AlertmanagerProcess]:
    """A reference Alertmanager holding exactly the alerts of ``_FILTER_ALERTS``."""
    with running_alertmanager(WEBHOOK_CONFIG) as am:
        _post(am, _FILTER_ALERTS)
        yield am


def _alertmanager_filter(am: AlertmanagerProcess, expr: str) -> tuple[int, object]:
    with am.client() as client:
        response = client.get("/api/v2/alerts", params={"filter": expr})
    if response.status_code != 200:
        return response.status_code, response.json()
    return 200, sorted(alert["labels"]["alertname"] for alert in response.json())


@pytest.mark.parametrize("expr", FILTERS)
def test_filter_selects_what_alertmanager_selects(
    filter_alerts: AlertmanagerProcess, expr: str
) -> None:
    status, selected = _alertmanager_filter(filter_alerts, expr)
    assert status == 200, selected
    matcher = parse_matcher(expr)
    ours = sorted(
        a["alertname"] for a in _FILTER_ALERTS if matcher.matches(a.get(matcher.name, ""))
    )
    assert ours == selected


@pytest.mark.parametrize("expr", BAD_FILTERS)
def test_invalid_filter_fails_as_in_alertmanager(
    filter_alerts: AlertmanagerProcess, expr: str
) -> None:
    status, body = _alertmanager_filter(filter_alerts, expr)
    assert status == 400
    with pytest.raises(MatcherError) as info:
        parse_matcher(expr)
    assert str(info.value) == body


# --- random RE2 expressions: same selection or the same error -------------------------------

_REGEX_VALUES = [
    "a", "b", "ab", "aa", "abc", "A", "Ab", "AB", "é", "É", "ée", "1", "12", "a1", " ",
    "a b", "a\nb", "a\n", "\n", "_", "a_b", "ß", "K", "\u212a", "k", "🚨", "a.b", "axb",
    "{", "}", "[]", "a|b", "ǅ", "ſ", "xxxxx",
]  # fmt: skip
_REGEX_PIECES = [
    "a", "b", "A", ".", "\\d", "\\w", "\\s", "\\S", "\\W", "[a-c]", "[^a]", "[[:upper:]]",
    "[[:^alpha:]]", "\\pL", "\\p{Lu}", "\\PL", "(?i)", "(?s)", "(?m)", "(?-i)", "^", "$",
    "\\b", "\\B", "|", "(", ")", "*", "+", "?", "{2}", "{1,}", "{0}", "*?", "\\n", "é",
    "\\x{e9}", "\\.", "(?:", "(?i:", "(?U)", "\\z", "\\A", "{", "}", "[", "]", "\\Q.\\E",
    "k", "\\x41", "[\\d_]", "[a-]", "[]a]", "ß", "\\101",
]  # fmt: skip


def _random_regexes(count: int) -> list[str]:
    rng = random.Random(7)
    found: set[str] = set()
    while len(found) < count:
        found.add("".join(rng.choice(_REGEX_PIECES) for _ in range(rng.randint(1, 6))))
    return sorted(found)


def test_random_regexes_behave_as_in_alertmanager() -> None:
    """Each regex selects the same values as Alertmanager's, or fails with its message."""
    mismatches = []
    with running_alertmanager(WEBHOOK_CONFIG) as am, am.client() as client:
        alerts = [{"labels": {"alertname": f"V{i}", "v": v}} for i, v in enumerate(_REGEX_VALUES)]
        assert client.post("/api/v2/alerts", json=alerts).status_code == 200
        for regex in _random_regexes(400):
            expr = "v=~" + json.dumps(regex)
            response = client.get("/api/v2/alerts", params={"filter": expr})
            if response.status_code == 200:
                theirs: object = sorted(int(a["labels"]["alertname"][1:]) for a in response.json())
            else:
                theirs = response.json()
            try:
                matcher = parse_matcher(expr)
                ours: object = [i for i, v in enumerate(_REGEX_VALUES) if matcher.matches(v)]
            except MatcherError as exc:
                ours = str(exc)
            if ours != theirs:
                mismatches.append((regex, ours, theirs))
    assert mismatches == []
