"""E-mails written with the default texts: Alertmanager's subject and HTML body when the
config sets neither, tocsin's runbook texts with ``template: runbook``, and Go-template
header values as an ``alertmanager.yml`` writes them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from tests.channels.local_servers import forbid_non_local
from tests.support.fakes.smtp import FakeSMTP, ReceivedMail

from tocsin.channels import Message
from tocsin.channels.email import EmailChannel, email_target
from tocsin.config import load_config_text
from tocsin.model import Alert, fingerprint
from tocsin.templates import Templates

NOW = 1_800_000_000.0
EXTERNAL = "http://tocsin.example:9093"


@pytest.fixture(autouse=True)
def _only_local(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_non_local(monkeypatch)


def _alert(**labels: str) -> Alert:
    annotations = {"summary": "Disk almost full", "description": "used > 90% & rising"}
    return Alert(fingerprint(labels), labels, annotations, NOW - 600, NOW + 300, NOW - 1)


MESSAGE = Message(
    receiver="team-x",
    status="firing",
    group_key='{}:{alertname="DiskFull"}',
    group_labels={"alertname": "DiskFull"},
    alerts=[_alert(alertname="DiskFull", instance="db-1", severity="critical")],
    now=NOW,
)


@pytest.fixture
def smtp() -> Iterator[FakeSMTP]:
    with FakeSMTP() as server:
        yield server


def _mail(smtp: FakeSMTP, **item: Any) -> ReceivedMail:
    entry = {
        "to": "oncall@example.org",
        "from": "tocsin@example.org",
        "smarthost": smtp.address,
        "require_tls": False,
        **item,
    }
    document = {"route": {"receiver": "m"}, "receivers": [{"name": "m", "email_configs": [entry]}]}
    config = load_config_text(yaml.safe_dump(document)).receivers[0].email_configs[0]
    templates = Templates()
    channel = EmailChannel(config, templates=templates, external_url=EXTERNAL, timeout=5.0)

    async def main() -> None:
        await channel.send(email_target(config), MESSAGE, "key-1")
        await channel.aclose()

    asyncio.run(main())
    assert templates.warnings == []
    (mail,) = smtp.wait_for_mail()
    return mail


def test_the_defaults_are_alertmanagers_subject_and_html(smtp: FakeSMTP) -> None:
    mail = _mail(smtp)
    assert mail.message["Subject"] == "[FIRING:1] DiskFull (db-1 critical)"
    parts = mail.parts()
    assert list(parts) == ["text/html"]
    html = parts["text/html"]
    assert "<!DOCTYPE html" in html
    assert "View in Alertmanager" in html
    assert "1 alert for alertname=DiskFull" in " ".join(html.split())
    assert f"{EXTERNAL}/#/alerts?receiver=team-x" in html


def test_template_runbook_sends_the_runbook_texts(smtp: FakeSMTP) -> None:
    mail = _mail(smtp, template="runbook")
    subject = mail.message["Subject"]
    assert "DiskFull" in subject
    assert "CRITICAL" in subject
    parts = mail.parts()
    assert list(parts) == ["text/plain", "text/html"]
    assert parts["text/plain"].startswith(subject)
    assert "Disk almost full" in parts["text/plain"]
    assert "Disk almost full" in parts["text/html"]


def test_go_template_headers_render_like_alertmanager(smtp: FakeSMTP) -> None:
    mail = _mail(
        smtp,
        headers={"Subject": "{{ .CommonLabels.alertname }} on {{ .CommonLabels.instance }}"},
        text="{{ range .Alerts }}{{ .Annotations.summary }}{{ end }} ({{ .Status }})",
    )
    assert mail.message["Subject"] == "DiskFull on db-1"
    assert mail.parts()["text/plain"] == "Disk almost full (firing)"


def test_go_template_html_is_escaped_like_alertmanager(smtp: FakeSMTP) -> None:
    mail = _mail(smtp, html="<p>{{ .CommonAnnotations.description }}</p>")
    assert mail.parts() == {"text/html": "<p>used &gt; 90% &amp; rising</p>"}
