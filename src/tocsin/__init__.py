"""tocsin: a self-hosted alerting and incident-response server."""

__version__ = "0.1.0"

__all__ = ["__version__"]
