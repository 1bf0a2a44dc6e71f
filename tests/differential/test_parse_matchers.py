"""``parse_matchers`` and ``Matcher.__str__`` agree with Alertmanager 0.25's ``amtool``.

A route's ``matchers:`` line is parsed by Alertmanager's ``labels.ParseMatchers`` and
``amtool config routes show`` prints it back with ``Matcher.String()``, sorted, or fails
with the parser's message; no server is needed.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from tests.support.binaries import require_binary

from tocsin.model import Matcher, MatcherError, parse_matchers

pytestmark = pytest.mark.external

_TYPE_ORDER = {"=": 0, "!=": 1, "=~": 2, "!~": 3}
_ROUTE_PREFIX = "── "  # after "├" or "└"
_ROUTE_SUFFIX = "  receiver: hook"


def _config(lines: list[str]) -> str:
    routes = "".join(
        f"    - receiver: hook\n      matchers:\n        - {json.dumps(line, ensure_ascii=False)}\n"
        for line in lines
    )
    return f"route:\n  receiver: hook\n  routes:\n{routes}receivers:\n  - name: hook\n"


def _amtool(tmp_path: Path, lines: list[str]) -> list[str] | str:
    """The printed matchers of each line, or amtool's error message."""
    amtool = require_binary("amtool")
    config = tmp_path / "routes.yml"
    config.write_text(_config(lines))
    result = subprocess.run(
        [amtool, "config", "routes", "show", f"--config.file={config}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        marker = "amtool: error: "
        return result.stderr[result.stderr.index(marker) + len(marker) :].removesuffix("\n")
    printed = []
    for row in result.stdout.splitlines()[3:]:
        if _ROUTE_PREFIX in row:
            text = row.split(_ROUTE_PREFIX, 1)[1]
            printed.append(text.removesuffix(_ROUTE_SUFFIX))
    assert len(printed) == len(lines), (len(printed), len(lines), result.stdout)
    return printed


def _printed(matchers: list[Matcher]) -> str:
    """How amtool prints a route's matchers: sorted by name, value, type."""
    if not matchers:
        return "default-route"
    ordered = sorted(matchers, key=lambda m: (m.name, m.value, _TYPE_ORDER[m.type.value]))
    return "{" + ",".join(str(m) for m in ordered) + "}"


VALID = [
    "a=b",
    "a=b,c=d",
    "a=b, c=d",
    "{a=b, c=d}",
    '{foo = "bar", dings != "bums", }',
    "foo=bar,dings!=bums",
    '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
    'statuscode=~"5.."',
    "a=",
    'a=""',
    "a!=",
    "{a=b}}",
    "a=~x{1001}",
    "a==b",
    "a=b,",
    "a=b ,  ",
    "  a  =  b  ",
    'a="b,c"',
    'a="b\\"c,d"',
    'a="x\\\\y"',
    'a="x\\ny"',
    'a="x\\ty"',
    'a="x\\u0001"',
    "a=x\\y",
    'a="trailing\\\\"',
    "a=trailing\\",
    "a=b\nc",
    "a=\tb\t",
    "a=日本語",
    'a="🚨 alert"',
    "a:b=c",
    "_=x",
    "a=~b|c",
    'a!~"b|c"',
    'a=~"(?i)x"',
    "a=b=c",
    "a=b!=c",
    "a=~=~",
    "{}",
    "",
    "b=2,a=1,a=0,a!=0",
]

INVALID = [
    "a",
    "{a}",
    "a=b,,c=d",
    ",a=b",
    "a=b, c",
    "1a=b",
    "a-b=c",
    'a="b',
    'a=b"',
    'a="b"c"',
    'a=""""',
    'a="b\\"',
    "a=~(",
    "a=~[",
    'a=~"\\\\1"',
    'a=~"(?=x)"',
    'a="b",c="d',
    '"a"=b',
    "{{a=b}",
    'a=~"x{1001}"',
]


@pytest.mark.parametrize("line", VALID)
def test_parse_matchers_prints_as_alertmanager(tmp_path: Path, line: str) -> None:
    printed = _amtool(tmp_path, [line])
    assert isinstance(printed, list), printed
    assert _printed(parse_matchers(line)) == printed[0]


@pytest.mark.parametrize("line", INVALID)
def test_parse_matchers_fails_as_alertmanager(tmp_path: Path, line: str) -> None:
    message = _amtool(tmp_path, [line])
    assert isinstance(message, str)
    with pytest.raises(MatcherError) as info:
        parse_matchers(line)
    assert str(info.value) == message


_PIECES = [
    "a", "b", "c", "_x", "n:1", "=", "!=", "=~", "!~", '"', '\\"', "\\", "\\\\", "\\n", ",",
    " ", "{", "}", "é", "🚨", "x|y", ".*", "(", ")", "\t", "\n", "'", "==",
]  # fmt: skip


def _random_lines(count: int) -> list[str]:
    rng = random.Random(25)
    lines = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(["a", "b", "job", "n:1", "_x", "Zz9"])
            op = rng.choice(["=", "!=", "=~", "!~"])
            value = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))
            if rng.random() < 0.5:
                value = f'"{value}"'
            parts.append(f"{rng.choice(['', ' '])}{name}{rng.choice(['', ' '])}{op}{value}")
        line = ",".join(parts)
        if rng.random() < 0.3:
            line = "{" + line + rng.choice(["}", ",}", ", }", ""])
        lines.append(line)
    return lines


def test_random_matcher_lines_agree_with_alertmanager(tmp_path: Path) -> None:
    accepted: list[tuple[str, str]] = []
    rejected: list[str] = []
    for line in _random_lines(300):
        try:
            accepted.append((line, _printed(parse_matchers(line))))
        except MatcherError:
            rejected.append(line)
    assert len(accepted) > 50
    assert len(rejected) > 20
    printed = _amtool(tmp_path, [line for line, _ in accepted])
    assert isinstance(printed, list), printed
    assert [ours for _, ours in accepted] == printed
    for line in rejected[:60]:
        message = _amtool(tmp_path, [line])
        assert isinstance(message, str), (line, message)
        with pytest.raises(MatcherError) as info:
            parse_matchers(line)
        assert str(info.value) == message, line
