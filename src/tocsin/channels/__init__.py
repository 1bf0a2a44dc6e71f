"""Integrations that deliver notifications, one folder each, behind one protocol."""

from tocsin.channels.base import Channel, DeliveryError, Message
from tocsin.channels.log import LogChannel

__all__ = ["Channel", "DeliveryError", "LogChannel", "Message"]
