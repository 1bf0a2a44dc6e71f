"""The tocsin command: exit codes and messages."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tocsin.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_check_config_accepts_the_examples() -> None:
    result = runner.invoke(
        app,
        [
            "check-config",
            str(ROOT / "examples/tocsin.yml"),
            str(ROOT / "examples/alertmanager.yml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("SUCCESS") == 2


def test_check_config_fails_with_positions(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("route:\n  receiver: ops\nreceivers:\n  - name: default\n")
    result = runner.invoke(app, ["check-config", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:13: route.receiver: undefined receiver" in result.output


def test_check_config_refuses_unsupported_integrations_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "opsgenie.yml"
    path.write_text(
        "route:\n  receiver: og\nreceivers:\n  - name: og\n"
        "    opsgenie_configs:\n      - api_key: k\n"
    )
    refused = runner.invoke(app, ["check-config", str(path)])
    assert refused.exit_code == 1
    assert "opsgenie_configs" in refused.output
    allowed = runner.invoke(app, ["check-config", "--allow-unsupported-receivers", str(path)])
    assert allowed.exit_code == 0, allowed.output


def test_usage_errors_exit_2() -> None:
    assert runner.invoke(app, ["check-config"]).exit_code == 2
    assert runner.invoke(app, ["serve"]).exit_code == 2
    assert runner.invoke(app, ["serve", "--config", "x.yml", "--listen", "nope"]).exit_code == 2


def test_serve_with_an_invalid_file_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("route: {}\n")
    result = runner.invoke(app, ["serve", "--config", str(bad), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.startswith("tocsin ")


def test_routes_test_prints_the_receivers_an_alert_reaches() -> None:
    config = str(ROOT / "examples/alertmanager.yml")
    critical_db = runner.invoke(
        app, ["routes", "test", "--config", config, "severity=critical", "service=mysql"]
    )
    assert critical_db.exit_code == 0, critical_db.output
    assert critical_db.stdout == "critical,database-team\n"  # continue: true, as amtool prints
    other = runner.invoke(app, ["routes", "test", "--config", config, "alertname=X"])
    assert other.stdout == "default\n"
    bad = runner.invoke(app, ["routes", "test", "--config", config, "no-equals"])
    assert bad.exit_code == 2


def test_check_config_warns_about_templates_it_cannot_use(tmp_path: Path) -> None:
    path = tmp_path / "templates.yml"
    path.write_text(
        "route:\n  receiver: chat\nreceivers:\n  - name: chat\n    slack_configs:\n"
        "      - api_url: http://127.0.0.1:9/hook\n"
        "        title: '{{ .CommonLabels.alertname | customFunction }}'\n"
        "        text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'\n"
    )
    result = runner.invoke(app, ["check-config", str(path)])
    assert result.exit_code == 0, result.output  # the field falls back; the file is valid
    assert f"warning: {path}:7:" in result.output
    assert "title" in result.output or "customFunction" in result.output
    assert ":8:" not in result.output  # the translatable text is fine
