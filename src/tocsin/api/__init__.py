"""HTTP: the Alertmanager-compatible API, tocsin's own API, metrics and operations."""

from tocsin.api._acklinks import AckClaim, AckSigner
from tocsin.api.app import create_app
from tocsin.api.context import ApiContext, ConfigView
from tocsin.api.metrics import Metrics

__all__ = ["AckClaim", "AckSigner", "ApiContext", "ConfigView", "Metrics", "create_app"]
