"""``tocsin routes show`` and ``routes test`` print what ``amtool config routes`` prints.

The differential tests run Alertmanager 0.25's ``amtool`` on the same files and compare the
output byte for byte.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.support.binaries import require_binary
from typer.testing import CliRunner

from tocsin.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

NESTED = r"""
route:
  receiver: default
  group_by: [alertname]
  routes:
    - receiver: pager
      match:
        severity: critical
        team: db
      match_re:
        service: "mysql|pg.*"
      continue: true
      routes:
        - receiver: dba-night
          matchers: ['time=~"night|weekend"', 'env!="dev"']
        - matchers: ['quote="a\"b\\c"', 'z!~"x"']
          continue: true
          routes:
            - receiver: deep
              matchers: ['x="ü 日本\\n"']
            - matchers: ['{a="1", a="0", a!="1", a=~"1"}']
    - matchers: ['{a="1", b!~"2"}']
      receiver: ab
      continue: true
    - receiver: catch-all
receivers:
  - name: default
  - name: pager
  - name: dba-night
  - name: deep
  - name: ab
  - name: catch-all
"""

ALERTMANAGER_YML_TREE = (
    "Routing tree:\n"
    ".\n"
    "└── default-route  receiver: default\n"
    '    ├── {severity="critical"}  continue: true  receiver: critical\n'
    '    ├── {env!="dev",service=~"mysql|postgres"}  receiver: database-team\n'
    '    └── {team="frontend"}  receiver: default\n'
    "\n"
)

LABEL_SETS = [
    [],
    ["severity=critical"],
    ["severity=critical", "service=mysql"],
    ["severity=critical", "service=mysql", "env=dev"],
    ["team=frontend"],
    ["severity=critical", "team=db", "service=pgbouncer", "time=night"],
    ["severity=critical", "team=db", "service=mysql", 'quote="a\\"b\\\\c"', 'x="ü 日本\\\\n"'],
    ["severity=critical", "team=db", "service=mysql", 'quote="a\\"b\\\\c"', "a=1"],
    ["a=1", "b=3"],
    ["a=1", "b=2"],
]


@pytest.fixture
def nested(tmp_path: Path) -> Path:
    path = tmp_path / "nested.yml"
    path.write_text(NESTED, encoding="utf-8")
    return path


def _tocsin(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _amtool(*args: str) -> str:
    amtool = require_binary("amtool")
    result = subprocess.run(
        [amtool, *args], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_routes_show_prints_the_tree_of_the_example() -> None:
    printed = _tocsin("routes", "show", "--config", str(ROOT / "examples/alertmanager.yml"))
    assert printed.replace("\u00a0", " ") == ALERTMANAGER_YML_TREE


def test_routes_show_draws_nested_routes_with_inherited_receivers(nested: Path) -> None:
    lines = _tocsin("routes", "show", "--config", str(nested)).splitlines()
    link = "│\u00a0\u00a0 "
    assert lines[3] == (
        '    ├── {service=~"^(?:mysql|pg.*)$",severity="critical",team="db"}'
        "  continue: true  receiver: pager"
    )
    assert (
        lines[5] == f'    {link}└── {{quote="a\\"b\\\\c",z!~"x"}}  continue: true  receiver: pager'
    )
    assert lines[6] == f'    {link}    ├── {{x="ü 日本\\\\n"}}  receiver: deep'
    assert lines[7] == f'    {link}    └── {{a="0",a="1",a!="1",a=~"1"}}  receiver: pager'
    assert lines[-2:] == ["    └── default-route  receiver: catch-all", ""]


def test_routes_show_reports_an_invalid_file_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("route:\n  receiver: ops\nreceivers:\n  - name: default\n")
    result = runner.invoke(app, ["routes", "show", "--config", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:13: route.receiver: undefined receiver" in result.stderr


def test_routes_test_prints_receivers_comma_separated(nested: Path) -> None:
    assert _tocsin("routes", "test", "--config", str(nested), "a=1") == "ab,catch-all\n"
    assert _tocsin("routes", "test", "--config", str(nested)) == "catch-all\n"


@pytest.mark.external
@pytest.mark.parametrize("name", ["examples/alertmanager.yml", "nested"])
def test_routes_show_is_amtools_output_byte_for_byte(name: str, nested: Path) -> None:
    config = nested if name == "nested" else ROOT / name
    ours = _tocsin("routes", "show", "--config", str(config))
    theirs = _amtool("config", "routes", "show", f"--config.file={config}")
    assert ours == theirs


@pytest.mark.external
@pytest.mark.parametrize("name", ["examples/alertmanager.yml", "nested"])
def test_routes_test_is_amtools_output(name: str, nested: Path) -> None:
    config = nested if name == "nested" else ROOT / name
    for labels in LABEL_SETS:
        ours = _tocsin("routes", "test", "--config", str(config), *labels)
        theirs = _amtool("config", "routes", "test", f"--config.file={config}", *labels)
        assert ours == theirs, labels
