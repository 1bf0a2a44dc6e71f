"""Alertmanager's default templates, ported to Jinja2 under Alertmanager's names.

``{{ template "slack.default.title" . }}`` in a config, or ``{% include "slack.default.title"
%}`` in a Jinja2 field, renders exactly what Alertmanager 0.25 renders for the same data
(``template/default.tmpl`` and ``template/email.tmpl``; ``msteams.default.*``,
``msteamsv2.default.*`` and ``__text_alert_list_markdown`` come from Alertmanager 0.28).

Dot is ``_dot`` in every named template: the notification's data unless a Go template passes
something else (``{{ template "__text_alert_list" .Alerts.Firing }}``). Templates that work
on the data read its names directly (``status``, ``alerts``, …); the alert-list templates
read ``_dot``.
"""

from __future__ import annotations

from tocsin.templates._email_html import EMAIL_HTML

__all__ = ["DEFAULT_TEMPLATES"]

_SUBJECT = (
    '[{{ status | upper }}{% if status == "firing" %}:{{ alerts.firing | length }}{% endif %}] '
    '{{ groupLabels.Values() | join(" ") }} '
    "{% if commonLabels | length > groupLabels | length %}"
    '({{ commonLabels.Remove(groupLabels.Names()).Values() | join(" ") }}){% endif %}'
)

_ALERT_LIST = (
    "{% for _a in _dot %}Labels:\n"
    "{% for _p in _a.labels.SortedPairs() %} - {{ _p.Name }} = {{ _p.Value }}\n"
    "{% endfor %}Annotations:\n"
    "{% for _p in _a.annotations.SortedPairs() %} - {{ _p.Name }} = {{ _p.Value }}\n"
    "{% endfor %}Source: {{ _a.generatorURL }}\n"
    "{% endfor %}"
)

_ALERT_LIST_MARKDOWN = (
    "{% for _a in _dot %}\nLabels:\n"
    "{% for _p in _a.labels.SortedPairs() %}  - {{ _p.Name }} = {{ _p.Value }}\n"
    "{% endfor %}\nAnnotations:\n"
    "{% for _p in _a.annotations.SortedPairs() %}  - {{ _p.Name }} = {{ _p.Value }}\n"
    "{% endfor %}\nSource: {{ _a.generatorURL }}\n"
    "{% endfor %}\n"
)


def _list(alerts: str, markdown: bool = False) -> str:
    name = "__text_alert_list_markdown" if markdown else "__text_alert_list"
    return f'{{% with _dot = {alerts} %}}{{% include "{name}" %}}{{% endwith %}}'


_VALUES = '{{ commonAnnotations.Values() | join(" ") }}'

# "Alerts Firing:" / "Alerts Resolved:" sections, as Alertmanager lays them out:
# compact (opsgenie, wechat, victorops: trimmed) or loose (pushover, sns, telegram, …).
_COMPACT = (
    "{% if alerts.firing | length > 0 %}Alerts Firing:\n"
    + _list("alerts.firing")
    + "{% endif %}\n"
    + "{% if alerts.resolved | length > 0 %}Alerts Resolved:\n"
    + _list("alerts.resolved")
    + "{% endif %}"
)
_LOOSE = (
    "{% if alerts.firing | length > 0 %}\nAlerts Firing:\n"
    + _list("alerts.firing")
    + "\n{% endif %}\n"
    + "{% if alerts.resolved | length > 0 %}\nAlerts Resolved:\n"
    + _list("alerts.resolved")
    + "\n{% endif %}\n"
)
_MARKDOWN = (
    "\n{% if alerts.firing | length > 0 %}\n# Alerts Firing:\n"
    + _list("alerts.firing", markdown=True)
    + "\n{% endif %}\n"
    + "{% if alerts.resolved | length > 0 %}\n# Alerts Resolved:\n"
    + _list("alerts.resolved", markdown=True)
    + "\n{% endif %}\n"
)

_URL = '{% include "__alertmanagerURL" %}'
_SUBJECT_REF = '{% include "__subject" %}'
_AM = '{% include "__alertmanager" %}'

DEFAULT_TEMPLATES: dict[str, str] = {
    "__alertmanager": "Alertmanager",
    "__alertmanagerURL": "{{ externalURL }}/#/alerts?receiver={{ _go.urlquery(receiver) }}",
    "__subject": _SUBJECT,
    "__description": "",
    "__text_alert_list": _ALERT_LIST,
    "__text_alert_list_markdown": _ALERT_LIST_MARKDOWN,
    # Slack
    "slack.default.title": _SUBJECT_REF,
    "slack.default.username": _AM,
    "slack.default.fallback": '{% include "slack.default.title" %} | '
    '{% include "slack.default.titlelink" %}',
    "slack.default.callbackid": "",
    "slack.default.pretext": "",
    "slack.default.titlelink": _URL,
    "slack.default.iconemoji": "",
    "slack.default.iconurl": "",
    "slack.default.text": "",
    "slack.default.footer": "",
    # PagerDuty
    "pagerduty.default.description": _SUBJECT_REF,
    "pagerduty.default.client": _AM,
    "pagerduty.default.clientURL": _URL,
    "pagerduty.default.instances": '{% include "__text_alert_list" %}',
    # Opsgenie
    "opsgenie.default.message": _SUBJECT_REF,
    "opsgenie.default.description": _VALUES + "\n" + _COMPACT,
    "opsgenie.default.source": _URL,
    # WeChat
    "wechat.default.message": _SUBJECT_REF
    + "\n"
    + _VALUES
    + "\n"
    + _COMPACT
    + "\nAlertmanagerUrl:\n"
    + _URL,
    "wechat.default.to_user": "",
    "wechat.default.to_party": "",
    "wechat.default.to_tag": "",
    "wechat.default.agent_id": "",
    # VictorOps
    "victorops.default.state_message": _VALUES + "\n" + _COMPACT,
    "victorops.default.entity_display_name": _SUBJECT_REF,
    "victorops.default.monitoring_tool": _AM,
    # Pushover
    "pushover.default.title": _SUBJECT_REF,
    "pushover.default.message": _VALUES + "\n" + _LOOSE,
    "pushover.default.url": _URL,
    # SNS
    "sns.default.subject": _SUBJECT_REF,
    "sns.default.message": _VALUES + "\n" + _LOOSE,
    # Telegram, Discord, Webex
    "telegram.default.message": "\n" + _LOOSE,
    "discord.default.title": _SUBJECT_REF,
    "discord.default.message": "\n" + _LOOSE,
    "webex.default.message": _VALUES + "\n" + _LOOSE,
    # E-mail
    "email.default.subject": _SUBJECT_REF,
    "email.default.html": EMAIL_HTML,
    # Microsoft Teams (Alertmanager 0.28)
    "msteams.default.summary": _SUBJECT_REF,
    "msteams.default.title": _SUBJECT_REF,
    "msteams.default.text": _MARKDOWN,
    "msteamsv2.default.title": _SUBJECT_REF,
    "msteamsv2.default.text": _MARKDOWN,
}
