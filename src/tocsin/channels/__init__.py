"""tocsin.channels."""
