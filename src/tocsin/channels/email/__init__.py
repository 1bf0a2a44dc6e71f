"""The ``email`` channel (``email_configs``): Alertmanager 0.25's e-mail through SMTP."""

from tocsin.channels.email.channel import (
    DEFAULT_HTML,
    DEFAULT_SUBJECT,
    RUNBOOK_HTML,
    RUNBOOK_SUBJECT,
    RUNBOOK_TEXT,
    EmailChannel,
    email_target,
    split_smarthost,
)
from tocsin.channels.email.mime import compose, message_id, parse_address_list, q_encode
from tocsin.channels.email.smtp import (
    AuthPlan,
    Refusal,
    SMTPSettings,
    choose_auth,
    deliver,
    delivery_error,
    uses_implicit_tls,
)

__all__ = [
    "DEFAULT_HTML",
    "DEFAULT_SUBJECT",
    "RUNBOOK_HTML",
    "RUNBOOK_SUBJECT",
    "RUNBOOK_TEXT",
    "AuthPlan",
    "EmailChannel",
    "Refusal",
    "SMTPSettings",
    "choose_auth",
    "compose",
    "deliver",
    "delivery_error",
    "email_target",
    "message_id",
    "parse_address_list",
    "q_encode",
    "split_smarthost",
    "uses_implicit_tls",
]
