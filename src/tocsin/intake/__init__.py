"""Wire formats into alerts."""

from tocsin.intake.alertmanager import IntakeBatch, IntakeRejected, decode_postable_alerts

__all__ = ["IntakeBatch", "IntakeRejected", "decode_postable_alerts"]
