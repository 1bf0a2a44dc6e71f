"""tocsin.intake."""
