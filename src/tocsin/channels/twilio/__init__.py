"""The ``twilio`` channel (``twilio_configs``, and pages to people): SMS and voice calls."""

from tocsin.channels.twilio.channel import (
    DEFAULT_API_URL,
    DEFAULT_TEXT,
    ClientFactory,
    TwilioChannel,
    twilio_target,
)
from tocsin.channels.twilio.text import is_e164, mask_number, one_line, say_twice, truncate
from tocsin.channels.twilio.wire import TwilioError, parse_error

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TEXT",
    "ClientFactory",
    "TwilioChannel",
    "TwilioError",
    "is_e164",
    "mask_number",
    "one_line",
    "parse_error",
    "say_twice",
    "truncate",
    "twilio_target",
]
