"""tocsin.api."""
