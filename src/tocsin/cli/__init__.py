"""tocsin.cli."""
