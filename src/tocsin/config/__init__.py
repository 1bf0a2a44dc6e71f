"""tocsin.config."""
