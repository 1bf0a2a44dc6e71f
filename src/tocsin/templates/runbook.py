"""tocsin's runbook templates: messages that say what fires, since when, and what to do.

Named templates (``{% include "runbook.sms" %}``), on the notification's data:

    runbook.email.subject   CRITICAL Alert: HighLatency on api   (RESOLVED: … when resolved)
    runbook.email.html      runbook.email.text
    runbook.slack.title     runbook.slack.text
    runbook.sms             [P0 FIRING:3] HighLatency on api: https://runbook (+37 more alerts)
    runbook.voice           a sentence to be spoken, without links
    runbook.pagerduty.summary
    runbook.teams.title     runbook.teams.text

The parts they share are named templates too: ``runbook.level`` (the severity name
upper-cased, else the P-level), ``runbook.alertname`` (the common ``alertname``, else the
first alert's, "N alerts" when they differ), ``runbook.service`` (the common ``service``
label, else "N services"; empty without any) and ``runbook.what`` ("HighLatency on api").
"""

from __future__ import annotations

__all__ = ["RUNBOOK_TEMPLATES"]

_LEVEL = "{{ (severity_name or severity) | upper }}"

_ALERTNAME = (
    "{% if commonLabels.alertname %}{{ commonLabels.alertname }}"
    '{% else %}{% set _names = alerts | map(attribute="labels") | map(attribute="alertname")'
    " | reject('equalto', '') | unique | list %}"
    "{% if _names | length == 1 %}{{ _names[0] }}"
    "{% else %}{{ alerts | length }} alerts{% endif %}{% endif %}"
)

_SERVICE = (
    "{% if commonLabels.service %}{{ commonLabels.service }}"
    '{% else %}{% set _services = alerts | map(attribute="labels") | map(attribute="service")'
    " | reject('equalto', '') | unique | list %}"
    "{% if _services %}{{ _services | length }} service"
    "{% if _services | length != 1 %}s{% endif %}{% endif %}{% endif %}"
)

_WHAT = (
    '{% set _svc %}{% include "runbook.service" %}{% endset %}'
    '{% include "runbook.alertname" %}{% if _svc %} on {{ _svc }}{% endif %}'
)

_STATE = (
    '{% if status == "firing" %}FIRING:{{ alerts.firing | length }}{% else %}RESOLVED{% endif %}'
)

_MORE = (
    "{% if more_alerts > 0 %} (+{{ more_alerts }} more alert"
    "{% if more_alerts != 1 %}s{% endif %}){% endif %}"
)

_SUMMARY = "{{ commonAnnotations.summary or commonAnnotations.description }}"

_EMAIL_SUBJECT = (
    '{% if status == "resolved" %}RESOLVED: {% endif %}'
    '{% include "runbook.level" %} Alert: {% include "runbook.what" %}'
)

_SMS = (
    '{% set _text %}[{{ severity }} {% include "runbook.state" %}] {% include "runbook.what" %}'
    "{% if runbook_url %}: {{ runbook_url }}"
    "{% elif commonAnnotations.summary %}: {{ commonAnnotations.summary }}{% endif %}"
    '{% include "runbook.more" %}{% endset %}'
    "{{ _text | replace('\\r', ' ') | replace('\\n', ' ') }}"
)

_VOICE = (
    '{% set _text %}This is tocsin. {% if status == "firing" %}'
    '{% include "runbook.level" %} alert: {% include "runbook.what" %}, '
    "{{ alerts.firing | length }} alert{% if alerts.firing | length != 1 %}s{% endif %} firing."
    "{% else %}Resolved: {% include 'runbook.what' %}.{% endif %}"
    "{% if commonAnnotations.summary %} {{ commonAnnotations.summary }}.{% endif %}"
    "{% if more_alerts > 0 %} And {{ more_alerts }} more alert"
    "{% if more_alerts != 1 %}s{% endif %}.{% endif %}{% endset %}"
    "{{ _go.reReplaceAll('\\\\s+', ' ', _go.reReplaceAll('[a-zA-Z][a-zA-Z0-9+.-]*://\\\\S+',"
    " 'link', _text)) | trim }}"
)

_PAGERDUTY = (
    '[{{ severity }}] {% include "runbook.what" %}'
    "{% if commonAnnotations.summary %}: {{ commonAnnotations.summary }}{% endif %}"
    '{% include "runbook.more" %}'
)

_ALERT_LINES_TEXT = (
    "{% for _a in alerts %}\n"
    "- {{ _a.status | upper }} {{ _a.labels.alertname }} since "
    "{{ _a.startsAt.strftime('%Y-%m-%d %H:%M:%S UTC') }}\n"
    "  Labels:{% for _p in _a.labels.SortedPairs() %} {{ _p.Name }}={{ _p.Value }}{% endfor %}\n"
    "{% for _p in _a.annotations.SortedPairs() %}  {{ _p.Name }}: {{ _p.Value }}\n{% endfor %}"
    "{% if _a.generatorURL %}  Source: {{ _a.generatorURL }}\n{% endif %}"
    "{% endfor %}"
)

_LINKS_TEXT = (
    "{% if runbook_url %}Runbook: {{ runbook_url }}\n{% endif %}"
    "{% if ack_url %}Acknowledge: {{ ack_url }}\n{% endif %}"
    "Silence: {{ silence_url }}\n"
    "Alerts: {{ alerts_url }}\n"
)

_EMAIL_TEXT = (
    '{% include "runbook.email.subject" %}\n\n'
    "{% if commonAnnotations.summary %}{{ commonAnnotations.summary }}\n{% endif %}"
    "{% if commonAnnotations.description %}{{ commonAnnotations.description }}\n{% endif %}"
    "\n" + _LINKS_TEXT + "\n"
    "{{ alerts.firing | length }} firing, {{ alerts.resolved | length }} resolved:\n"
    + _ALERT_LINES_TEXT
    + "{% if more_alerts > 0 %}\n+{{ more_alerts }} more alert"
    "{% if more_alerts != 1 %}s{% endif %}\n{% endif %}"
)

_EMAIL_HTML = (
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="UTF-8">\n'
    '<title>{% filter e %}{% include "runbook.email.subject" %}{% endfilter %}</title>\n'
    '</head>\n<body style="font-family: Helvetica, Arial, sans-serif; font-size: 14px;">\n'
    '<h2 style="color: {% if status == "firing" %}#c0392b{% else %}#27ae60{% endif %};">'
    '{% filter e %}{% include "runbook.email.subject" %}{% endfilter %}</h2>\n'
    "{% if commonAnnotations.summary %}<p>{{ commonAnnotations.summary | e }}</p>\n{% endif %}"
    "{% if commonAnnotations.description %}<p>{{ commonAnnotations.description | e }}</p>\n"
    "{% endif %}"
    "<p>\n"
    '{% if runbook_url %}<a href="{{ runbook_url | e }}">Runbook</a> |\n{% endif %}'
    '{% if ack_url %}<a href="{{ ack_url | e }}">Acknowledge</a> |\n{% endif %}'
    '<a href="{{ silence_url | e }}">Silence</a> |\n'
    '<a href="{{ alerts_url | e }}">All alerts</a>\n</p>\n'
    "<p>{{ alerts.firing | length }} firing, {{ alerts.resolved | length }} resolved</p>\n"
    "{% for _a in alerts %}"
    '<div style="margin: 0 0 16px; padding: 8px; border-left: 4px solid '
    '{% if _a.status == "firing" %}#c0392b{% else %}#27ae60{% endif %};">\n'
    "<strong>{{ _a.status | upper }} {{ _a.labels.alertname | e }}</strong>"
    " since {{ _a.startsAt.strftime('%Y-%m-%d %H:%M:%S UTC') }}<br>\n"
    "{% for _p in _a.labels.SortedPairs() %}{{ _p.Name | e }} = {{ _p.Value | e }}<br>\n"
    "{% endfor %}"
    "{% for _p in _a.annotations.SortedPairs() %}<em>{{ _p.Name | e }}</em>: "
    "{{ _p.Value | e }}<br>\n{% endfor %}"
    '{% if _a.generatorURL %}<a href="{{ _a.generatorURL | e }}">Source</a>\n{% endif %}'
    "</div>\n"
    "{% endfor %}"
    "{% if more_alerts > 0 %}<p>+{{ more_alerts }} more alert"
    "{% if more_alerts != 1 %}s{% endif %}</p>\n{% endif %}"
    "</body>\n</html>\n"
)

_SLACK_TITLE = (
    '[{% include "runbook.state" %}] {% include "runbook.level" %}: {% include "runbook.what" %}'
)

_SLACK_TEXT = (
    "{% if commonAnnotations.summary %}*{{ commonAnnotations.summary }}*\n{% endif %}"
    "{% if commonAnnotations.description %}{{ commonAnnotations.description }}\n{% endif %}"
    "{% for _a in alerts %}"
    "• {{ _a.status | upper }} `{{ _a.labels.alertname }}`"
    "{% if _a.labels.instance %} on `{{ _a.labels.instance }}`{% endif %}"
    " since {{ _a.startsAt.strftime('%Y-%m-%d %H:%M UTC') }}"
    "{% if _a.annotations.summary and not commonAnnotations.summary %}"
    ": {{ _a.annotations.summary }}{% endif %}\n"
    "{% endfor %}"
    "{% if more_alerts > 0 %}+{{ more_alerts }} more alert"
    "{% if more_alerts != 1 %}s{% endif %}\n{% endif %}"
    "{% if runbook_url %}<{{ runbook_url }}|Runbook> · {% endif %}"
    "{% if ack_url %}<{{ ack_url }}|Acknowledge> · {% endif %}"
    "<{{ silence_url }}|Silence> · <{{ alerts_url }}|Alerts>"
)

_TEAMS_TEXT = (
    "{% if commonAnnotations.summary %}**{{ commonAnnotations.summary }}**\n\n{% endif %}"
    "{% if commonAnnotations.description %}{{ commonAnnotations.description }}\n\n{% endif %}"
    "{% for _a in alerts %}"
    "- **{{ _a.status | upper }}** {{ _a.labels.alertname }}"
    "{% if _a.labels.instance %} on {{ _a.labels.instance }}{% endif %}"
    " since {{ _a.startsAt.strftime('%Y-%m-%d %H:%M UTC') }}\n"
    "{% endfor %}"
    "{% if more_alerts > 0 %}\n+{{ more_alerts }} more alert"
    "{% if more_alerts != 1 %}s{% endif %}\n{% endif %}"
    "\n{% if runbook_url %}[Runbook]({{ runbook_url }}) · {% endif %}"
    "{% if ack_url %}[Acknowledge]({{ ack_url }}) · {% endif %}"
    "[Silence]({{ silence_url }}) · [Alerts]({{ alerts_url }})"
)

RUNBOOK_TEMPLATES: dict[str, str] = {
    "runbook.level": _LEVEL,
    "runbook.alertname": _ALERTNAME,
    "runbook.service": _SERVICE,
    "runbook.what": _WHAT,
    "runbook.state": _STATE,
    "runbook.more": _MORE,
    "runbook.summary": _SUMMARY,
    "runbook.email.subject": _EMAIL_SUBJECT,
    "runbook.email.html": _EMAIL_HTML,
    "runbook.email.text": _EMAIL_TEXT,
    "runbook.slack.title": _SLACK_TITLE,
    "runbook.slack.text": _SLACK_TEXT,
    "runbook.sms": _SMS,
    "runbook.voice": _VOICE,
    "runbook.pagerduty.summary": _PAGERDUTY,
    "runbook.teams.title": _SLACK_TITLE,
    "runbook.teams.text": _TEAMS_TEXT,
}
