"""tocsin.runtime."""
